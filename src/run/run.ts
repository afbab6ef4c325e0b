// One run: open the store, start the server, run the sandboxed command, tear everything down.
import { join } from "node:path";
import { openLocalStore } from "../backend/local/local-store.js";
import { sandboxWorkingDir } from "../sandbox/bwrap-args.js";
import { checkMountPoints } from "../sandbox/check-mount-points.js";
import { launchDirect } from "../sandbox/launch-direct.js";
import { launchSandbox } from "../sandbox/launch-sandbox.js";
import { OWNED_ENV_VARS, reccEnvironment } from "../sandbox/recc-environment.js";
import { resolveCommand } from "../sandbox/resolve-command.js";
import { HOST_VIEW, sandboxView } from "../sandbox/sandbox-view.js";
import { startReapiServer } from "../server/reapi-server.js";
import { DEFAULT_LIMITS } from "../server/server-context.js";
import { startObservation } from "./observation.js";
import { createPrivateDir, removePrivateDir } from "./private-dir.js";
import type { RunOptions } from "./run-options.js";
import { ToolError } from "./tool-error.js";

/** The socket's file name inside the private directory. */
const SOCKET_NAME = "reapi.sock";

/**
 * Runs `options.command` in the sandbox with the filtering socket, and resolves with its exit
 * status. Throws a `ToolError` for the tool's own failures; whatever happens, the server is
 * stopped, the store closed and the private directory removed before this settles.
 */
export async function runSandboxed(options: RunOptions): Promise<number> {
  const [program, ...args] = options.command;
  const workingDir = options.sandbox === "none" ? options.cwd : sandboxWorkingDir({ ...options.shape, cwd: options.cwd });
  if (options.sandbox === "bwrap") checkMountPoints({ ...options.shape, cwd: options.cwd });
  const view = options.sandbox === "none" ? HOST_VIEW : sandboxView({ ...options.shape, cwd: options.cwd });
  await resolveCommand(program ?? "", options.setenv["PATH"] ?? options.env["PATH"] ?? "", workingDir, view);

  const backend = await openLocalStore(options.cacheDir).catch((error: Error) => {
    throw new ToolError(`cannot use the cache directory ${options.cacheDir}: ${error.message}`, undefined, { cause: error });
  });
  const observation = await startObservation(options.observability, process.stderr);
  try {
    const dir = await createPrivateDir(SOCKET_NAME, options.env);
    try {
      const server = await startReapiServer({
        socketPath: join(dir, SOCKET_NAME),
        backend,
        flags: options.policy,
        instanceName: options.instanceName,
        limits: { ...DEFAULT_LIMITS, maxBlobSizeBytes: options.maxBlobSizeBytes },
        ...(observation.observe !== undefined ? { observe: observation.observe } : {}),
      });
      try {
        if (options.sandbox === "none") {
          return await launchDirect(options.command, options.cwd, commandEnvironment(options, server.socketPath));
        }
        return await launchSandbox({
          spec: {
            ...options.shape,
            cwd: options.cwd,
            socketHostPath: server.socketPath,
            socketSandboxPath: options.socketPath,
            command: [program ?? "", ...args],
          },
          env: commandEnvironment(options, options.socketPath),
        });
      } finally {
        await server.close();
      }
    } finally {
      await removePrivateDir(dir);
    }
  } finally {
    await backend.close();
    await observation.finish();
  }
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
