// Tests for src/sandbox/elf-interpreter.ts: the loader an ELF executable names, from real binaries and built headers.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import t from "tap";
import { elfInterpreter } from "../../src/sandbox/elf-interpreter.js";
import { elf } from "../helpers/elf-file.js";

t.test("built headers: both classes, both byte orders", async (t) => {
  const dir = t.testdir({});
  const cases: Array<[string, Buffer, string | undefined]> = [
    ["64-bit little-endian", elf(64, true, 3, "/lib64/ld-test.so.2"), "/lib64/ld-test.so.2"],
    ["64-bit big-endian", elf(64, false, 3, "/lib/ld64.so.1"), "/lib/ld64.so.1"],
    ["32-bit little-endian", elf(32, true, 3, "/lib/ld-linux.so.2"), "/lib/ld-linux.so.2"],
    ["32-bit big-endian", elf(32, false, 3, "/lib/ld.so.1"), "/lib/ld.so.1"],
    ["no PT_INTERP (static)", elf(64, true, 1, "/not/an/interpreter"), undefined],
    ["cut short", elf(64, true, 3, "/lib64/ld-test.so.2").subarray(0, 40), undefined],
    ["not ELF", Buffer.from("#!/bin/sh\n"), undefined],
  ];
  for (const [name, content, expected] of cases) {
    const file = join(dir, name.replace(/[^a-z0-9]+/gi, "-"));
    writeFileSync(file, content);
    t.equal(elfInterpreter(file), expected, name);
  }
  t.equal(elfInterpreter(join(dir, "missing")), undefined, "a missing file");
});

t.test("a real dynamic executable: the interpreter readelf names", async (t) => {
  const readelf = await execa("readelf", ["-l", "/bin/true"], { reject: false });
  const named = /Requesting program interpreter: ([^\]]+)\]/.exec(String(readelf.stdout))?.[1];
  t.ok(named, "readelf names one");
  t.equal(elfInterpreter("/bin/true"), named);
});

t.test("a real static executable names none", { skip: existsSync("/sbin/ldconfig") ? false : "no /sbin/ldconfig" }, async (t) => {
  t.equal(elfInterpreter("/sbin/ldconfig"), undefined);
});
