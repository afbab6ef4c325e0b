// One bst-cas-run forwarding to another over grpcs:// with a bearer token; bad credentials and a missing upstream stop it at start.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { runClient, runTool } from "../helpers/run-tool.js";
import { makeSelfSignedCert, startServe } from "../helpers/tls.js";

const TOKEN = "correct-horse-battery-staple";
const BIG_BLOB_BYTES = 64 * 1024 * 1024;

t.test("grpcs:// with --server-cert and --access-token-file: the blobs reach the serving side", async (t) => {
  const dir = t.testdir({ cache: {}, work: {}, token: `${TOKEN}\n`, "wrong-token": "not-the-token\n" });
  const work = join(dir, "work");
  const served = await makeSelfSignedCert(dir, "served");
  const other = await makeSelfSignedCert(dir, "other");
  const statsPath = join(dir, "serve-stats.json");
  const serve = await startServe(t, [
    "--listen", "127.0.0.1:0", "--tls-cert", served.cert, "--tls-key", served.key,
    "--require-token-file", join(dir, "token"), "--cache-dir", join(dir, "cache"), "--stats-json", statsPath,
  ]);
  t.match(serve.address, /^127\.0\.0\.1:[1-9][0-9]*$/, "serve says where it listens");
  const url = `grpcs://${serve.address}`;
  const front = (tokenFile: string, cert = served.cert) => ["--remote", url, "--server-cert", cert, "--access-token-file", join(dir, tokenFile)];
  const touch = ["--", "sh", "-c", "touch created"];

  await t.test("the right certificate and token: the command runs", async (t) => {
    const result = await runTool([...front("token"), ...touch], { cwd: work });
    t.equal(result.exitCode, 0, `it runs: ${result.stderr}`);
    t.ok(existsSync(join(work, "created")), "the command ran (so the checks below can fail)");
  });

  await t.test("a wrong token: 125 and one line naming the upstream and UNAUTHENTICATED", async (t) => {
    const result = await runTool([...front("wrong-token"), "--", "sh", "-c", "touch token-ran"], { cwd: work });
    t.equal(result.exitCode, 125);
    t.match(result.stderr, new RegExp(`^bst-cas-run: [^\\n]*${escape(url)}[^\\n]*UNAUTHENTICATED[^\\n]*$`), "one line");
    t.notOk(existsSync(join(work, "token-ran")), "the command did not run");
  });

  await t.test("no token at all: refused the same way", async (t) => {
    const result = await runTool(["--remote", url, "--server-cert", served.cert, "--", "sh", "-c", "touch no-token-ran"], { cwd: work });
    t.equal(result.exitCode, 125);
    t.match(result.stderr, /^bst-cas-run: [^\n]*UNAUTHENTICATED[^\n]*$/);
    t.notOk(existsSync(join(work, "no-token-ran")));
  });

  await t.test("a certificate the server does not have: 125 and one line", async (t) => {
    const result = await runTool([...front("token", other.cert), "--", "sh", "-c", "touch cert-ran"], { cwd: work });
    t.equal(result.exitCode, 125);
    t.match(result.stderr, new RegExp(`^bst-cas-run: [^\\n]*${escape(url)}[^\\n]*$`), `one line naming the upstream: ${result.stderr}`);
    t.notMatch(result.stderr, /\n\s+at /, "no stack trace");
    t.notOk(existsSync(join(work, "cert-ran")), "the command did not run");
  });

  await t.test("blobs-roundtrip through both servers", async (t) => {
    const { answer, result } = await runClient(front("token"), ["blobs-roundtrip"], { cwd: work, env: { ...process.env, TEST_SEED: "tls" } });
    t.equal(result.exitCode, 0, `the client ran: ${result.stderr}`);
    t.match(answer, {
      missingBefore: 4,
      write: String(BIG_BLOB_BYTES),
      batchCodes: [0, 0, 0],
      missingAfter: 0,
      bigReadMatches: true,
      smallReadMatch: true,
    });
  });

  const ended = await serve.stop();
  t.equal(ended.exitCode, 0, "serve stops cleanly on SIGTERM");
  const stats = JSON.parse(await readFile(statsPath, "utf8"));
  t.ok(stats.bytesIn >= BIG_BLOB_BYTES, `the 64 MiB blob arrived at the serving side (${stats.bytesIn} bytes in)`);
  t.ok(stats.bytesOut >= BIG_BLOB_BYTES, `and was read back from it (${stats.bytesOut} bytes out)`);
  t.match(stats.methods, {
    "google.bytestream.ByteStream/Write": { calls: 1, errors: {} },
    "google.bytestream.ByteStream/Read": { calls: 1, errors: {} },
    "build.bazel.remote.execution.v2.ContentAddressableStorage/BatchUpdateBlobs": { calls: 1 },
  });
  t.match(stats.methods, { "build.bazel.remote.execution.v2.Capabilities/GetCapabilities": { calls: 2, errors: {} } },
    "only the two fronts with the token got past the check (each asks capabilities once at start)");
});

t.test("an unreachable upstream: 125 before the command runs", async (t) => {
  const dir = t.testdir({ work: {} });
  const work = join(dir, "work");
  const result = await runTool(["--remote", "unix:/nonexistent.sock", "--", "sh", "-c", "touch created"], { cwd: work });
  t.equal(result.exitCode, 125);
  t.match(result.stderr, /^bst-cas-run: [^\n]*unix:\/nonexistent\.sock[^\n]*$/, "one line naming the upstream");
  t.notOk(existsSync(join(work, "created")), "the command never ran");

  // The same command with a reachable upstream does create the file.
  const served = await makeSelfSignedCert(dir, "served");
  const serve = await startServe(t, ["--listen", "127.0.0.1:0", "--tls-cert", served.cert, "--tls-key", served.key, "--cache-dir", join(dir, "cache")]);
  const control = await runTool(["--remote", `grpcs://${serve.address}`, "--server-cert", served.cert, "--", "sh", "-c", "touch created"], { cwd: work });
  t.equal(control.exitCode, 0, `the control run works: ${control.stderr}`);
  t.ok(existsSync(join(work, "created")), "so the check above can fail");
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
