// A small multi-file C project built with make CC="recc gcc" twice: the second build is all hits.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { runTool } from "../helpers/run-tool.js";

const PROJECT = {
  "Makefile": [
    "OBJS = main.o greet.o count.o",
    "app: main.o libutil.a",
    "\t$(CC) -o $@ main.o libutil.a",
    "libutil.a: greet.o count.o",
    "\tar rcs $@ greet.o count.o",
    "%.o: %.c util.h",
    "\t$(CC) -O2 -c $< -o $@",
    "clean:",
    "\trm -f app libutil.a $(OBJS)",
    "",
  ].join("\n"),
  "util.h": "#pragma once\nvoid greet(const char *name);\nint count(const char *text);\n",
  "main.c": '#include "util.h"\nint main(void) { greet("world"); return count("abc") == 3 ? 0 : 1; }\n',
  "greet.c": '#include <stdio.h>\n#include "util.h"\nvoid greet(const char *name) { printf("hello, %s\\n", name); }\n',
  "count.c": '#include <string.h>\n#include "util.h"\nint count(const char *text) { return (int)strlen(text); }\n',
};
const OBJECTS = ["main.o", "greet.o", "count.o"];

t.test("make with recc: three misses stored, then three hits and the same objects", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ src: PROJECT, cache: {} });
  const src = join(dir, "src");
  const tool = [...inSidRoot(root, src), "--cache-dir", join(dir, "cache"), "--setenv", "RECC_VERBOSE=1"];

  const first = await runTool(["--action-cache-enable-update", ...tool, "--", "make", "CC=recc gcc", "app"]);
  t.equal(first.exitCode, 0, `the first build succeeds: ${first.stderr.slice(-500)}`);
  t.equal(count(first.stderr, /Action cache updated for/g), OBJECTS.length, "each compile step is stored");
  const objects = await Promise.all(OBJECTS.map((name) => readFile(join(src, name))));

  await Promise.all(["app", "libutil.a", ...OBJECTS].map((name) => rm(join(src, name))));
  const second = await runTool(["--stats-json", join(dir, "stats.json"), ...tool, "--", "make", "CC=recc gcc", "app"]);
  t.equal(second.exitCode, 0);
  t.equal(count(second.stderr, /Action Cache hit for/g), OBJECTS.length, "each compile step is a hit");
  t.equal(count(second.stderr, /executing locally/g), 0, "no compile step ran");
  t.equal(count(second.stderr, /Not a compiler command, so running locally/g), 1, "only the link ran (recc does not cache links)");
  t.same(await Promise.all(OBJECTS.map((name) => readFile(join(src, name)))), objects, "identical objects");
  const stats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
  t.match(stats, { actionCache: { hits: OBJECTS.length } });

  const run = await runTool([...inSidRoot(root, src), "--", "./app"]);
  t.equal(run.stdout, "hello, world", "the linked program works");
});

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
