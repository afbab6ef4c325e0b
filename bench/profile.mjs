#!/usr/bin/env node
// Where the time goes: runs one benchmark workload against `bst-cas-run serve` under
// `node --cpu-prof`, prints the servers' CPU per operation beside buildbox-casd's and the profile of
// the measured window, mapped back to src/ and node_modules/.
//
//   node bench/profile.mjs startup|recc|transfer|tree [--proxied]
//
// BENCH_ROOT (the sid root), BENCH_BIG_MIB (transfer size, default 512), BENCH_PROFILE_RUNS
// (recc hits, default 50; trees, default 3), BENCH_PROFILE_DIR (keep the .cpuprofile files there).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatSummary, summarizeProfile } from "./lib/cpuprofile.mjs";
import { writeRandomFile, writeRandomTree } from "./lib/data.mjs";
import { Services, timed, withCpu } from "./lib/procs.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "bin", "bst-cas-run.cjs");
const BUNDLES = ["bst-cas-run.cjs", "bst-cas-run-on-demand.cjs"].map((name) => join(REPO, "dist", name));
const [workload = "recc", ...flags] = process.argv.slice(2);
const proxied = flags.includes("--proxied");
const now = () => Number(process.hrtime.bigint() / 1000n);

function sidRoot() {
  if (process.env.BENCH_ROOT) return process.env.BENCH_ROOT;
  return execFileSync("bash", [join(REPO, "test", "interop", "build-root.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop();
}

function sandboxed(root, src, socket, command, env = {}) {
  const server = "unix:/run/reapi.sock";
  return timed("bwrap", [
    "--ro-bind", root, "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
    "--bind", src, "/src", "--bind", socket, "/run/reapi.sock", "--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/src", "--", ...command,
  ], { env: { PATH: "/usr/local/bin:/usr/bin:/bin", RECC_SERVER: server, RECC_CACHE_ONLY: "1", RECC_DEPS_GLOBAL_PATHS: "1", ...env } });
}

function report(title, lines) {
  process.stdout.write(`\n=== ${title}\n${lines.join("\n")}\n`);
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), "bst-cas-run-profile-"));
  const profiles = process.env.BENCH_PROFILE_DIR ?? join(work, "profiles");
  await mkdir(profiles, { recursive: true });
  const services = new Services();
  try {
    if (workload === "startup") {
      await mkdir(join(work, "cwd"));
      await timed(process.execPath, [BIN, "--cache-dir", join(work, "store"), "--", "true"], { cwd: join(work, "cwd") });
      await timed(process.execPath, ["--cpu-prof", "--cpu-prof-interval", "100", `--cpu-prof-dir=${profiles}`, BIN, "--cache-dir", join(work, "store"), "--", "true"], { cwd: join(work, "cwd") });
      const [file] = await readdir(profiles);
      report("bst-cas-run -- true, one run (whole process)", [formatSummary(summarizeProfile(join(profiles, file), { bundles: BUNDLES }))]);
      return;
    }
    const root = sidRoot();
    const sock = join(work, "sock");
    const src = join(existsSync("/dev/shm") ? await mkdtemp("/dev/shm/bst-cas-run-profile-") : work, "src");
    await mkdir(sock);
    await mkdir(src, { recursive: true });
    await mkdir(join(work, "casd"));
    const casd = await services.startCasd(root, sock, join(work, "casd"));
    const straight = join(sock, "casd.sock");
    const socket = join(sock, "serve.sock");
    const serveArgs = proxied ? ["--remote", `unix:${straight}`] : ["--cache-dir", join(work, "store"), "--action-cache-enable-update"];
    const serve = await services.start("serve", process.execPath, [`--cpu-prof-dir=${profiles}`, "--cpu-prof", BIN, "serve", "--socket", socket, ...serveArgs], socket);
    const servePids = proxied ? { serve: serve.pid, casd: casd.pid } : { serve: serve.pid };
    const windows = [];
    const measure = async (label, pids, count, once) => {
      const start = now();
      const { result, cpu } = await withCpu(pids, async () => {
        let seconds = 0;
        for (let index = 0; index < count; index++) seconds += (await once(index)).seconds;
        return { seconds };
      });
      const per = Object.entries(cpu).map(([role, value]) => `${role} ${((value / count) * 1000).toFixed(1)} ms`).join(" + ");
      report(`${label}: ${count} x, wall ${((result.seconds / count) * 1000).toFixed(1)} ms each, server CPU each: ${per}`, []);
      if (pids === servePids) windows.push({ label, from: start, to: now() });
    };

    if (workload === "recc") {
      await writeFile(join(src, "hello.c"), '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n');
      const compile = ["recc", "gcc", "-c", "hello.c", "-o", "hello.o"];
      for (const target of [straight, socket]) await sandboxed(root, src, target, compile, { RECC_CACHE_UPLOAD_LOCAL_BUILD: "1" });
      const runs = Number(process.env.BENCH_PROFILE_RUNS ?? 50);
      await measure("recc hit straight to casd", { casd: casd.pid }, runs, () => sandboxed(root, src, straight, compile));
      await measure(`recc hit via serve${proxied ? " --remote" : ""}`, servePids, runs, () => sandboxed(root, src, socket, compile));
    } else if (workload === "transfer") {
      const bytes = Number(process.env.BENCH_BIG_MIB ?? 512) * 1024 * 1024;
      for (const [label, target, pids] of [["casd straight", straight, { casd: casd.pid }], [`serve${proxied ? " --remote" : ""}`, socket, servePids]]) {
        const digest = await writeRandomFile(join(src, "big.bin"), bytes, `profile ${label} ${Date.now()}`);
        await timed("sync", []);
        await measure(`upload ${bytes / 1048576} MiB, ${label}`, pids, 1, () => sandboxed(root, src, target, ["casupload", "--remote=unix:/run/reapi.sock", "big.bin"]));
        await rm(join(src, "big.bin"));
        await timed("sync", []);
        await measure(`download ${bytes / 1048576} MiB, ${label}`, pids, 1, () =>
          sandboxed(root, src, target, ["casdownload", "--remote=unix:/run/reapi.sock", "--destination-dir=/tmp/out", `--file-digest=${digest}`]));
      }
    } else if (workload === "tree") {
      const runs = Number(process.env.BENCH_PROFILE_RUNS ?? 3);
      for (const [label, target, pids] of [["casd straight", straight, { casd: casd.pid }], [`serve${proxied ? " --remote" : ""}`, socket, servePids]]) {
        await writeRandomTree(join(src, "warm"), 6000, 4096, `profile warm ${label} ${Date.now()}`);
        await sandboxed(root, src, target, ["casupload", "--remote=unix:/run/reapi.sock", "warm"]);
        await rm(join(src, "warm"), { recursive: true });
        await measure(`2000 x 4 KiB new blobs, ${label}`, pids, runs, async (index) => {
          await rm(join(src, "tree"), { recursive: true, force: true });
          await writeRandomTree(join(src, "tree"), 2000, 4096, `profile tree ${label} ${index} ${Date.now()}`);
          return sandboxed(root, src, target, ["casupload", "--remote=unix:/run/reapi.sock", "tree"]);
        });
      }
    } else {
      throw new Error(`unknown workload ${workload}: startup, recc, transfer or tree`);
    }
    await services.stop(serve);
    const [file] = (await readdir(profiles)).filter((name) => name.endsWith(".cpuprofile"));
    for (const window of windows) report(`profile of serve: ${window.label}`, [formatSummary(summarizeProfile(join(profiles, file), { bundles: BUNDLES, ...window }))]);
    if (src.startsWith("/dev/shm/")) await rm(join(src, ".."), { recursive: true, force: true });
  } finally {
    await services.stopAll();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`profile: failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
