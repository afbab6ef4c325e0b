// Runs the real buildbox-casd (from the sid root) on a UNIX socket, as BuildStream does, for tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { sidRoot } from "./peers.js";

/** A running buildbox-casd and the means to read its log, stop it and start it again. */
export interface Casd {
  /** The host-side socket path (short: under /tmp). */
  readonly socketPath: string;
  /** casd's cache directory on the host: its blobs are in `cas/objects/<hash[0:2]>/<hash[2:]>`. */
  readonly cacheDir: string;
  /** Everything casd wrote to stderr so far, across restarts: one line per RPC at --log-level=info. */
  log(): Promise<string>;
  /**
   * Stops casd and resolves once it is gone: SIGTERM (it removes its socket) or, with
   * `"SIGKILL"`, an abrupt kill that leaves the socket behind as a crash does. Idempotent.
   */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Stops casd if it runs, then starts it on the same socket path and cache; resolves once it listens. */
  restart(): Promise<void>;
}

/** What a test passes: only teardown is needed. */
interface TestLike {
  teardown(fn: () => unknown): void;
}

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts buildbox-casd 1.4.30 in the sid root, listening on `<tmp>/sock/casd.sock` with its
 * cache in `<tmp>/cache`. Stopped and removed at the end of `t`. Extra casd options (such as
 * `--cache-failures=false`) go in `casdArgs`.
 */
export async function startCasd(t: TestLike, casdArgs: readonly string[] = []): Promise<Casd> {
  const root = await sidRoot();
  const dir = await mkdtemp("/tmp/casd-");
  const sockDir = join(dir, "sock");
  const cacheDir = join(dir, "cache");
  const logPath = join(dir, "casd.log");
  await mkdir(sockDir);
  await mkdir(cacheDir);
  const socketPath = join(sockDir, "casd.sock");
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    // A killed casd leaves its socket behind (connections to it are refused): clear it first.
    await rm(socketPath, { force: true });
    const logFile = await open(logPath, "a");
    try {
      const args = [
        "--ro-bind", root, "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
        "--bind", sockDir, "/run/sock", "--bind", cacheDir, "/run/cache", "--die-with-parent",
        "--", "buildbox-casd", "--bind=unix:/run/sock/casd.sock", "--log-level=info", ...casdArgs, "/run/cache",
      ];
      const started = spawn("bwrap", args, { stdio: ["ignore", logFile.fd, logFile.fd] });
      child = started;
      exited = new Promise((resolve) => started.once("exit", () => resolve()));
    } finally {
      await logFile.close();
    }
    const current = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!existsSync(socketPath)) {
      if (current.exitCode !== null || current.signalCode !== null) {
        throw new Error(`buildbox-casd exited before listening:\n${await readFile(logPath, "utf8")}`);
      }
      if (Date.now() > deadline) throw new Error(`buildbox-casd did not listen within ${START_TIMEOUT_MS} ms`);
      await sleep(50);
    }
  };

  const stop = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> => {
    const running = child;
    if (running === undefined || running.pid === undefined) return;
    child = undefined;
    if (running.exitCode === null && running.signalCode === null) {
      // SIGTERM goes to casd itself (bwrap's child), so that it shuts down and removes its
      // socket; SIGKILL goes to bwrap, and --die-with-parent takes casd down with it.
      const casdPids = await childrenOf(running.pid);
      if (signal === "SIGTERM" && casdPids.length > 0) for (const pid of casdPids) process.kill(pid, "SIGTERM");
      else running.kill("SIGKILL");
      const timer = setTimeout(() => running.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (casdPids.some(isAlive) && Date.now() < deadline) await sleep(20);
    }
  };

  t.teardown(async () => {
    await stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });
  await start();
  return {
    socketPath,
    cacheDir,
    log: () => readFile(logPath, "utf8"),
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** The pids of the direct children of `pid`, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` is a live process (a zombie counts as gone). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
