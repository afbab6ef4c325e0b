// One run: open the store, start the server, run the sandboxed command, tear everything down.
import { join } from "node:path";
import { sandboxWorkingDir } from "../sandbox/bwrap-args.js";
import { checkMountPoints } from "../sandbox/check-mount-points.js";
import { signalStatus } from "../sandbox/child-exit.js";
import { findBwrap } from "../sandbox/find-bwrap.js";
import type { TerminalTools } from "../sandbox/find-terminal-tools.js";
import { launchDirect } from "../sandbox/launch-direct.js";
import { launchSandbox } from "../sandbox/launch-sandbox.js";
import { OWNED_ENV_VARS, reccEnvironment } from "../sandbox/recc-environment.js";
import { resolveCommand } from "../sandbox/resolve-command.js";
import { HOST_VIEW, sandboxView } from "../sandbox/sandbox-view.js";
import { prepareStoreDirs } from "../backend/local/store-dirs.js";
import { listenOnDemand } from "./on-demand-listener.js";
import { createPrivateDir, removePrivateDir } from "./private-dir.js";
import { guardSignals, type SignalGuard } from "./signal-guard.js";
import type { RunOptions } from "./run-options.js";
import { ToolError } from "./tool-error.js";

/** The socket's file name inside the private directory. */
const SOCKET_NAME = "reapi.sock";
/** bwrap's status file's name inside the private directory. */
const STATUS_NAME = "bwrap-status";
/**
 * How long after the sandbox is started the embedded store's server is loaded without waiting for
 * a client. bwrap takes about 30 ms to start the command, and a sandboxed `true` has ended by
 * 35 ms, so a command that ends at once never loads it; recc connects about 130 ms in, and the
 * load (50-70 ms) is done by then instead of starting then. Measured in bench/NOTES.md: at 40 ms
 * the load hit about one `true` in 30 on a quiet machine, at 50 and 60 ms none.
 */
const START_SERVER_AFTER_MS = 50;

/**
 * Runs `options.command` in the sandbox with the filtering socket, and resolves with its exit
 * status. Throws a `ToolError` for the tool's own failures; whatever happens, the server is
 * stopped, the store closed and the private directory removed before this settles.
 * SIGINT, SIGTERM and SIGHUP are taken over for the whole run (see {@link guardSignals}): one
 * that arrives while the server starts or the run tears down is held (and ends the wait for an
 * upstream's answer), the command is not started, and the run ends with 128+N once everything
 * is removed.
 */
export async function runSandboxed(options: RunOptions): Promise<number> {
  const [program] = options.command;
  const bwrap = options.sandbox === "bwrap" ? findBwrap() : undefined;
  const terminal = options.interactive ? await findTerminalToolsOnDemand() : undefined;
  const workingDir = options.sandbox === "none" ? options.cwd : sandboxWorkingDir({ ...options.shape, cwd: options.cwd });
  if (options.sandbox === "bwrap") checkMountPoints({ ...options.shape, cwd: options.cwd });
  const view = options.sandbox === "none" ? HOST_VIEW : sandboxView({ ...options.shape, cwd: options.cwd });
  resolveCommand(program ?? "", options.setenv["PATH"] ?? options.env["PATH"] ?? "", workingDir, view);

  const signals = guardSignals();
  try {
    const status = await runWithSocket(options, signals, bwrap, terminal);
    return signals.held !== undefined ? signalStatus(signals.held) : status;
  } catch (error) {
    if (signals.held === undefined) throw error;
    // Interrupted while waiting for the upstream: ended as quietly as a signal before the command.
    if (error === signals.interrupted.reason) return signalStatus(signals.held);
    throw new ToolError(error instanceof Error ? error.message : String(error), signalStatus(signals.held), { cause: error });
  } finally {
    signals.release();
  }
}

/** Creates the private directory and the server, runs the command unless a signal came first, and removes both. */
async function runWithSocket(options: RunOptions, signals: SignalGuard, bwrap: string | undefined, terminal: TerminalTools | undefined): Promise<number> {
  const [program, ...args] = options.command;
  const dir = createPrivateDir(SOCKET_NAME, options.env);
  try {
    const socketPath = join(dir, SOCKET_NAME);
    const server = await startSocketServer(options, socketPath, signals.interrupted);
    try {
      if (signals.held !== undefined) return signalStatus(signals.held);
      if (options.sandbox === "none" || bwrap === undefined) {
        return await launchDirect(options.command, options.cwd, commandEnvironment(options, socketPath), signals.source, terminal);
      }
      return await launchSandbox({
        spec: {
          ...options.shape,
          cwd: options.cwd,
          socketHostPath: socketPath,
          socketSandboxPath: options.socketPath,
          command: [program ?? "", ...args],
        },
        env: commandEnvironment(options, options.socketPath),
        statusPath: join(dir, STATUS_NAME),
        signals: signals.source,
        bwrap,
        ...(terminal !== undefined ? { terminal } : {}),
      });
    } finally {
      await server.close();
    }
  } finally {
    removePrivateDir(dir);
  }
}

/**
 * The server behind the socket. It starts before the command when something must be checked or
 * watched first (an upstream must answer; calls are logged or counted); otherwise the socket
 * listens at once and the server — most of this program's code, the protocol buffers and HTTP/2
 * among it — is loaded when the first client connects or START_SERVER_AFTER_MS after the
 * sandbox is started, so that a command that never uses the cache does not wait for it. The
 * cache directory is checked before the command either way.
 */
async function startSocketServer(options: RunOptions, socketPath: string, interrupted: AbortSignal): Promise<{ close(): Promise<void> }> {
  const { observability } = options;
  const watched = observability.verbose || observability.stats || observability.logFile !== undefined || observability.statsJson !== undefined;
  if (options.remote !== undefined || watched) {
    const { startFilteringServer } = await loadServer();
    return startFilteringServer(options, { kind: "unix", path: socketPath }, { signal: interrupted });
  }
  try {
    prepareStoreDirs(options.cacheDir);
  } catch (error) {
    throw new ToolError(`cannot use the cache directory ${options.cacheDir}: ${(error as Error).message}`, undefined, { cause: error });
  }
  return listenOnDemand(
    socketPath,
    async () => {
      const { startFilteringServer } = await loadServer();
      const running = await startFilteringServer(options, { kind: "handoff", path: socketPath });
      return { accept: (socket) => running.server.accept(socket), close: () => running.close() };
    },
    (error) => process.stderr.write(`bst-cas-run: the cache is unavailable to the command: ${(error as Error).message}\n`),
    { startAfterMs: START_SERVER_AFTER_MS },
  );
}

/** What --interactive runs (see find-terminal-tools.ts), from the part of the program bundled apart from the run path. */
async function findTerminalToolsOnDemand(): Promise<TerminalTools> {
  const { loadTerminalToolsFinder } = await import("../on-demand.js");
  return (await loadTerminalToolsFinder()).findTerminalTools();
}

/** The server's module, from the part of the program bundled apart from the run path. */
async function loadServer(): Promise<typeof import("./filtering-server.js")> {
  const { loadFilteringServer } = await import("../on-demand.js");
  return loadFilteringServer();
}

/** The command's environment: this tool's recc variables in place of any inherited, then --setenv. */
function commandEnvironment(options: RunOptions, socketPath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...options.env };
  for (const name of OWNED_ENV_VARS) delete env[name];
  return {
    ...env,
    ...reccEnvironment({
      socketPath,
      instanceName: options.instanceName,
      actionCacheUpdate: options.policy.actionCacheUpdate,
    }),
    ...options.setenv,
  };
}
