// Child processes: timed one-shot commands, and the long-running servers (casd, serve, socat, the Node relay).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The harness's environment without what a test runner injects (NODE_OPTIONS, tap's
 * _TAPJS_* variables), so that every measured command starts the same way.
 */
export function cleanEnv(env = process.env) {
  const clean = {};
  for (const [name, value] of Object.entries(env)) {
    if (name === "NODE_OPTIONS" || name.startsWith("_TAPJS") || name.startsWith("TAP_")) continue;
    clean[name] = value;
  }
  return clean;
}

/**
 * Runs `command args...` to its end and resolves with its wall-clock time in seconds (from
 * spawn to exit) and its stderr. Rejects when it fails, with the end of its stderr.
 */
export async function timed(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const child = spawn(command, args, {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd,
    stdio: ["ignore", options.stdout === "pipe" ? "pipe" : "ignore", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (data) => {
    if (stderr.length < 1 << 20) stderr += data;
  });
  child.stdout?.on("data", (data) => {
    if (stdout.length < 1 << 20) stdout += data;
  });
  let seconds = 0;
  const ended = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", () => {
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  if (ended.code !== 0 && options.check !== false) {
    throw new Error(`${command} ${args.join(" ")} ended with ${ended.code ?? ended.signal}:\n${stderr.slice(-3000)}`);
  }
  return { seconds, stderr, stdout, code: ended.code };
}

/** Waits until `path` exists, failing when `child` exits first or after `timeoutMs`. */
async function waitForPath(path, child, label, output, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${label} exited (${child.exitCode ?? child.signalCode}) before ${path} appeared:\n${output().slice(-3000)}`);
    }
    if (Date.now() > deadline) throw new Error(`${label}: ${path} did not appear within ${timeoutMs} ms:\n${output().slice(-3000)}`);
    await sleep(20);
  }
}

/** Children of `pid` (from /proc; needs Linux 3.5+). */
async function childrenOf(pid) {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The long-running processes this run started, stopped in reverse order by `stopAll`. */
export class Services {
  #running = [];

  /** Starts a server and waits for its socket; `signalTarget` picks the pid to send SIGTERM to. */
  async start(label, command, args, socketPath, { env, signalTarget } = {}) {
    const child = spawn(command, args, { env: env ?? cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let output = "";
    child.stderr.on("data", (data) => {
      if (output.length < 1 << 20) output += data;
    });
    const exited = new Promise((resolve) => child.once("close", resolve));
    child.once("error", (error) => {
      output += `\n${error.message}`;
    });
    const service = { label, child, pid: child.pid, exited, socketPath, output: () => output, signalTarget };
    this.#running.push(service);
    await waitForPath(socketPath, child, label, () => output);
    return service;
  }

  /**
   * buildbox-casd in its own bwrap over the sid root, as peers.md runs it: the socket directory
   * at /run/sock, the cache at /run/cache. SIGTERM goes to casd itself (it removes its socket).
   */
  async startCasd(root, sockDir, cacheDir) {
    const args = [
      "--ro-bind", root, "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
      "--bind", sockDir, "/run/sock", "--bind", cacheDir, "/run/cache", "--die-with-parent",
      "--", "buildbox-casd", "--bind=unix:/run/sock/casd.sock", "--log-level=warning", "/run/cache",
    ];
    const service = await this.start("buildbox-casd", "bwrap", args, `${sockDir}/casd.sock`, {
      env: { PATH: "/usr/bin:/bin" },
      signalTarget: async (casd) => (await childrenOf(casd.child.pid))[0] ?? casd.child.pid,
    });
    // casd itself (bwrap's child, in the host's pid namespace here), for its CPU time.
    service.pid = (await childrenOf(service.child.pid))[0] ?? service.child.pid;
    return service;
  }

  /** `bst-cas-run serve --socket PATH args...` as its own node process (its pid is the server's). */
  startServe(bin, socketPath, args) {
    return this.start(`bst-cas-run serve ${args.join(" ")}`, process.execPath, [bin, "serve", "--socket", socketPath, ...args], socketPath);
  }

  /** The plain byte relay: socat copying between a listening socket and `target`. */
  startRelay(socketPath, target) {
    return this.start("socat relay", "socat", ["-b", "131072", `UNIX-LISTEN:${socketPath},fork`, `UNIX-CONNECT:${target}`], socketPath);
  }

  /** The same relay written for Node (bench/lib/node-byte-relay.mjs): the floor of a proxy on Node. */
  startNodeRelay(socketPath, target) {
    const script = new URL("node-byte-relay.mjs", import.meta.url).pathname;
    return this.start("node byte relay", process.execPath, [script, socketPath, target], socketPath);
  }

  /** Stops one service: SIGTERM, then SIGKILL after 10 s. */
  async stop(service) {
    this.#running = this.#running.filter((entry) => entry !== service);
    if (service.child.exitCode !== null || service.child.signalCode !== null) return;
    const pid = service.signalTarget ? await service.signalTarget(service) : service.child.pid;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        service.child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 10_000);
    await service.exited;
    clearTimeout(timer);
  }

  async stopAll() {
    for (const service of [...this.#running].reverse()) await this.stop(service);
  }
}

/** VmHWM and VmRSS of `pid` in bytes, from /proc/PID/status. */
export async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+([0-9]+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { hwm: field("VmHWM"), rss: field("VmRSS") };
}

/** Clock ticks per second for /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/**
 * CPU seconds (user + system) `pid` has used so far, with its reaped children's (socat forks one
 * per connection); NaN when it is gone.
 */
export async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14-17 of stat(5) (utime, stime, cutime, cstime) are 11-14 after the name and state.
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return (utime + stime + cutime + cstime) / TICKS;
  } catch {
    return NaN;
  }
}

/**
 * Runs `work` and resolves with its result and the CPU seconds each process in `pids` (role →
 * pid) used meanwhile, read again 100 ms after `work` ends so that servers finish their part.
 */
export async function withCpu(pids, work) {
  const before = {};
  for (const [role, pid] of Object.entries(pids)) before[role] = await cpuSeconds(pid);
  const result = await work();
  await sleep(100);
  const cpu = {};
  for (const [role, pid] of Object.entries(pids)) cpu[role] = (await cpuSeconds(pid)) - before[role];
  return { result, cpu };
}
