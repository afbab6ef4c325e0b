// SIGKILL of a serving bst-cas-run in the middle of 50 uploads, at random points: no partial or wrong blob, ever.
import { mkdtempSync, rmSync } from "node:fs";
import { readdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { execa } from "execa";
import { openLocalStore } from "../../src/backend/local/local-store.js";
import { runTool, startTool } from "../helpers/run-tool.js";
import { blobOf, digestOf, privateTestDir } from "../helpers/store-server.js";
import { untilServing } from "../helpers/tls.js";

const STORE_CLIENT = fileURLToPath(new URL("../fixtures/store-client.mjs", import.meta.url));
const KIB = 1024;
const ROUNDS = 4;
const UPLOADS = 50;
/** The sizes store-client.mjs `crash-upload` uses. */
const crashSize = (i: number): number => [100, 40 * KIB, 600 * KIB, 2 * 1024 * KIB + 17, 5 * 1024 * KIB + 3][i % 5] as number;
const signal = new AbortController().signal;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

t.test(`SIGKILL during ${UPLOADS} uploads, ${ROUNDS} times at random points`, async (t) => {
  const dir = privateTestDir(t);
  const cacheDir = join(dir, "cache");
  const socketDir = mkdtempSync("/tmp/bcr-crash-");
  t.teardown(() => rmSync(socketDir, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...env } = process.env;
  const acknowledged: Array<{ round: number; index: number }> = [];

  for (let round = 0; round < ROUNDS; round++) {
    const socket = join(socketDir, `s${round}.sock`);
    const server = startTool(["serve", "--socket", socket, "--cache-dir", cacheDir], { env, cwd: dir });
    await untilServing(server);
    const client = execa(process.execPath, [STORE_CLIENT, "crash-upload", `crash-${round}`, String(UPLOADS)], {
      env: { ...env, REAPI_SOCKET: socket },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    // Kill once a random number of uploads is acknowledged, a random moment later.
    const killAfter = Math.floor(Math.random() * (UPLOADS - 5));
    const delay = Math.floor(Math.random() * 50);
    let progress = "";
    client.stderr?.on("data", (data: Buffer) => (progress += data.toString()));
    await waitFor(() => progress.startsWith("uploading") && (progress.match(/^done /gm) ?? []).length >= killAfter, "upload progress", 100_000);
    await sleep(delay);
    server.kill("SIGKILL");
    const [served, uploaded] = await Promise.all([server, client]);
    t.equal(served.signal, "SIGKILL", `round ${round}: the server was killed ${delay} ms after ${killAfter} uploads were acknowledged`);
    const results = (JSON.parse(String(uploaded.stdout).trim().split("\n").pop() ?? "{}") as { results?: Array<string | null> }).results ?? [];
    results.forEach((result, index) => {
      if (result === "OK") acknowledged.push({ round, index });
    });
    t.comment(`round ${round}: ${results.filter((r) => r === "OK").length} of ${UPLOADS} uploads acknowledged before the kill`);
  }

  const verify = await runTool(["store", "verify", "--cache-dir", cacheDir], { env, cwd: dir });
  t.equal(verify.exitCode, 0, `store verify is clean: ${String(verify.stdout).trim()}`);
  t.match(String(verify.stdout), /all sound/);

  // Every blob is either absent or whole; every acknowledged upload is there.
  const store = await openLocalStore(cacheDir);
  let present = 0;
  const lost: string[] = [];
  const wrong: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let index = 0; index < UPLOADS; index++) {
      const data = blobOf(crashSize(index), `crash-${round}-${index}`);
      const digest = digestOf(data);
      if (!(await store.hasBlob(digest))) {
        if (acknowledged.some((a) => a.round === round && a.index === index)) lost.push(`crash-${round}-${index}`);
        continue;
      }
      present++;
      const parts: Uint8Array[] = [];
      for await (const chunk of store.readBlob(digest, { signal })) parts.push(chunk);
      if (!Buffer.concat(parts).equals(data)) wrong.push(`crash-${round}-${index}`);
    }
  }
  t.strictSame(wrong, [], "every blob present reads back whole and right");
  t.strictSame(lost, [], "every acknowledged upload survived the kill");
  t.ok(present >= acknowledged.length, `${present} blobs present, ${acknowledged.length} acknowledged`);
  await store.close();

  // What the killed servers left in tmp/: kept while recent, removed by gc once old.
  const leftovers = await readdir(join(cacheDir, "tmp"));
  t.comment(`leftovers in tmp/: ${leftovers.length}`);
  const gcNow = await runTool(["store", "gc", "--cache-dir", cacheDir], { env, cwd: dir });
  t.equal(gcNow.exitCode, 0);
  t.strictSame((await readdir(join(cacheDir, "tmp"))).sort(), leftovers.sort(), "recent temp files are never removed");
  const dayAgo = Date.now() / 1000 - 25 * 3600;
  for (const name of leftovers) await utimes(join(cacheDir, "tmp", name), dayAgo, dayAgo);
  const gcLater = await runTool(["store", "gc", "--cache-dir", cacheDir], { env, cwd: dir });
  t.equal(gcLater.exitCode, 0);
  t.match(String(gcLater.stdout), new RegExp(`^removed ${leftovers.length} temp files`));
  t.strictSame(await readdir(join(cacheDir, "tmp")), [], "old leftovers of dead writers are gone");
});
