// One run: open the store, start the server, run the sandboxed command, tear everything down.
import { join } from "node:path";
import { sandboxWorkingDir } from "../sandbox/bwrap-args.js";
import { checkMountPoints } from "../sandbox/check-mount-points.js";
import { launchDirect } from "../sandbox/launch-direct.js";
import { launchSandbox } from "../sandbox/launch-sandbox.js";
import { OWNED_ENV_VARS, reccEnvironment } from "../sandbox/recc-environment.js";
import { resolveCommand } from "../sandbox/resolve-command.js";
import { HOST_VIEW, sandboxView } from "../sandbox/sandbox-view.js";
import { startFilteringServer } from "./filtering-server.js";
import { createPrivateDir, removePrivateDir } from "./private-dir.js";
import type { RunOptions } from "./run-options.js";

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

  const dir = await createPrivateDir(SOCKET_NAME, options.env);
  try {
    const running = await startFilteringServer(options, { kind: "unix", path: join(dir, SOCKET_NAME) });
    try {
      if (options.sandbox === "none") {
        return await launchDirect(options.command, options.cwd, commandEnvironment(options, running.server.address));
      }
      return await launchSandbox({
        spec: {
          ...options.shape,
          cwd: options.cwd,
          socketHostPath: running.server.address,
          socketSandboxPath: options.socketPath,
          command: [program ?? "", ...args],
        },
        env: commandEnvironment(options, options.socketPath),
      });
    } finally {
      await running.close();
    }
  } finally {
    await removePrivateDir(dir);
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
