// buildbox-casd as the --remote upstream: recc, casupload and casdownload through it; the policy holds in front of it.
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import grpc from "@grpc/grpc-js";
import t from "tap";
import { startCasd } from "../helpers/casd.js";
import { callRaw, codeName } from "../helpers/grpc-call.js";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { casdownloadThrough, casuploadThrough } from "../helpers/cas-round-trip.js";
import { sha256File, writePseudoRandomFile, writeTree } from "../helpers/trees.js";
import { runClient, runTool } from "../helpers/run-tool.js";

const HELLO_C = '#include <stdio.h>\nint main(void) { puts("hello from casd"); return 0; }\n';
const BIG_FILE_BYTES = 256 * 1024 * 1024;
/** Methods the policy refuses that casd would serve (casd logs each call that reaches it as `<Method> request from`). */
const REFUSED = ["GetInstanceNameForRemotes", "CaptureTree", "StageTree", "Execute", "WaitExecution"];

t.test("recc through casd: a miss stored upstream, then a hit served from upstream", async (t) => {
  const root = await sidRoot();
  const casd = await startCasd(t);
  const dir = t.testdir({ src: { "hello.c": HELLO_C } });
  const src = join(dir, "src");
  const tool = ["--remote", `unix:${casd.socketPath}`, ...inSidRoot(root, src), "--setenv", "RECC_VERBOSE=1"];
  const compile = ["--", "recc", "gcc", "-c", "hello.c", "-o", "hello.o"];

  const first = await runTool(["--action-cache-enable-update", ...tool, ...compile]);
  t.equal(first.exitCode, 0, `the first build succeeds: ${first.stderr.slice(-500)}`);
  t.match(first.stderr, /Action not cached and running in cache-only mode, executing locally/, "the first build misses");
  t.match(first.stderr, /Action cache updated for/, "and stores its result");
  const afterFirst = await casd.log();
  t.equal(count(afterFirst, "GetActionResult request from"), 1, "the lookup reached casd");
  t.match(afterFirst, /GetActionResult request from .*tool_name="recc"/, "with recc's request metadata");
  t.equal(count(afterFirst, "UpdateActionResult request from"), 1, "the update reached casd");
  const object = await readFile(join(src, "hello.o"));
  await rm(join(src, "hello.o"));

  const second = await runTool(["--stats-json", join(dir, "stats.json"), ...tool, ...compile]);
  t.equal(second.exitCode, 0);
  t.match(second.stderr, /Action Cache hit for/, "the clean rebuild is a hit");
  t.notMatch(second.stderr, /executing locally/);
  t.same(await readFile(join(src, "hello.o")), object, "the object from casd is identical");
  const afterSecond = await casd.log();
  t.equal(count(afterSecond, "GetActionResult request from"), 2, "the second lookup reached casd too");
  t.equal(count(afterSecond, "UpdateActionResult request from"), 1, "nothing new was stored");
  const stats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
  t.match(stats, { actionCache: { hits: 1, misses: 0 } });
});

t.test("casupload and casdownload move 256 MiB and 1,000 files through to casd and back", async (t) => {
  const root = await sidRoot();
  const casd = await startCasd(t);
  const dir = t.testdir({ work: {} });
  const work = join(dir, "work");
  await writePseudoRandomFile(join(work, "big.bin"), BIG_FILE_BYTES, 9);
  await writeTree(join(work, "tree"), 1000, "casd file");
  const statsPath = join(dir, "stats.json");
  const tool = ["--remote", `unix:${casd.socketPath}`, ...inSidRoot(root, work), "--stats-json", statsPath, "--"];

  for (const [name, input] of [["big", "big.bin"], ["tree", "tree"]] as const) {
    await t.test(name, async (t) => {
      const digest = await casuploadThrough(t, tool, work, name, input);
      const [rootHash] = digest.split("/") as [string];
      t.ok(await casdHas(casd.cacheDir, rootHash), "casd holds the root directory");
      if (name === "big") {
        const fileHash = await sha256File(join(work, "big.bin"));
        t.equal((await stat(casdBlobPath(casd.cacheDir, fileHash))).size, BIG_FILE_BYTES, "casd holds the whole 256 MiB blob");
        t.match(await casd.log(), /\bWrite request from .*tool_name="casupload"/, "it went up as a ByteStream write, casupload's metadata with it");
      }
      const uploaded = JSON.parse(await readFile(statsPath, "utf8"));
      t.ok(uploaded.bytesIn >= (name === "big" ? BIG_FILE_BYTES : 1000), "the data went through the socket");

      await casdownloadThrough(t, tool, work, name, input, digest);
      if (name === "big") {
        const log = await casd.log();
        t.match(log, /\bRead request from /, "it came down as a ByteStream read from casd");
        t.match(log, /\bRead request from .*tool_name="casdownload"/, "with casdownload's request metadata");
      }
      const downloaded = JSON.parse(await readFile(statsPath, "utf8"));
      t.ok(downloaded.bytesOut >= (name === "big" ? BIG_FILE_BYTES : 1000), "the data came back through the socket");
    });
  }
});

t.test("LocalCAS and Execution are refused in front of casd, which does serve them", async (t) => {
  const casd = await startCasd(t);
  const dir = t.testdir({ work: {} });
  const { answer, result } = await runClient(["--remote", `unix:${casd.socketPath}`], ["refused"], { cwd: join(dir, "work") });
  t.equal(result.exitCode, 0, `the client ran: ${result.stderr}`);
  t.match(answer, Object.fromEntries(REFUSED.map((method) => [method, "PERMISSION_DENIED"])), "refused by our socket");
  const throughUs = await casd.log();
  t.match(throughUs, /GetCapabilities request from/, "the log does record what reaches casd");
  for (const method of REFUSED) t.notMatch(throughUs, new RegExp(`\\b${method} request from`), `no ${method} reached casd`);

  // The same calls straight to casd's socket: served (LocalCAS) or at least handled (Execute).
  const client = new grpc.Client(`unix:${casd.socketPath}`, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const direct = {
    GetInstanceNameForRemotes: await callRaw(client, "/build.buildgrid.LocalContentAddressableStorage/GetInstanceNameForRemotes", "unary", []),
    CaptureTree: await callRaw(client, "/build.buildgrid.LocalContentAddressableStorage/CaptureTree", "unary", []),
    Execute: await callRaw(client, "/build.bazel.remote.execution.v2.Execution/Execute", "server_streaming", []),
  };
  t.equal(direct.GetInstanceNameForRemotes.code, 0, `casd answers GetInstanceNameForRemotes: ${codeName(direct.GetInstanceNameForRemotes.code)}`);
  t.ok((direct.GetInstanceNameForRemotes.messages[0]?.length ?? 0) > 0, "with an instance name");
  t.equal(direct.CaptureTree.code, 0, `casd answers CaptureTree: ${codeName(direct.CaptureTree.code)}`);
  // casd 1.4.30 without an execution remote handles Execute itself and says it is not enabled.
  t.not(direct.Execute.code, grpc.status.PERMISSION_DENIED);
  t.match(direct.Execute.details, /Execution service is not enabled/, "casd's own Execute handler answered");
  const afterDirect = await casd.log();
  for (const method of ["GetInstanceNameForRemotes", "CaptureTree", "Execute"]) {
    t.match(afterDirect, new RegExp(`\\b${method} request from`), `casd logged the direct ${method}`);
  }
});

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function casdBlobPath(cacheDir: string, hash: string): string {
  return join(cacheDir, "cas", "objects", hash.slice(0, 2), hash.slice(2));
}

async function casdHas(cacheDir: string, hash: string): Promise<boolean> {
  return stat(casdBlobPath(cacheDir, hash)).then(() => true, () => false);
}

