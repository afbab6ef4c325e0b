// The built bst-cas-run run with test/fixtures/report-loaded-modules.cjs preloaded, for tests of which of Node's modules a process loads.
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { rawGrpcCall, rawSession } from "./raw-grpc.js";
import { BIN, untappedEnv } from "./run-tool.js";
import { untilServing } from "./tls.js";

const REPORTER = fileURLToPath(new URL("../fixtures/report-loaded-modules.cjs", import.meta.url));

/** What the reporter said at exit: whether Node's fetch implementation (undici) and node:http2 were loaded. */
export interface ModuleReport {
  readonly fetchLoaded: boolean | undefined;
  readonly http2Loaded: boolean | undefined;
  readonly stderr: string;
}

/** Runs `bst-cas-run args...` to its end with the reporter preloaded, in `cwd`, without tap's additions to the environment. */
export async function runReporting(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ModuleReport & { exitCode: number | undefined }> {
  const run = await execa(process.execPath, ["--require", REPORTER, BIN, ...args], { env: untappedEnv(env), extendEnv: false, reject: false, cwd, timeout: 60_000 });
  return { exitCode: run.exitCode, ...reportIn(String(run.stderr)) };
}

/**
 * Starts `bst-cas-run serve args...` with the reporter preloaded, makes each call of `calls` (a
 * method path and a framed request) on one connection to `socket`, and stops it: the calls'
 * grpc-status codes, and the report.
 */
export async function callReportingServe(socket: string, args: readonly string[], calls: ReadonlyArray<readonly [string, Buffer]>): Promise<ModuleReport & { codes: number[] }> {
  const server = execa(process.execPath, ["--require", REPORTER, BIN, "serve", "--socket", socket, ...args], {
    env: untappedEnv(),
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  await untilServing(server);
  const session = rawSession(socket);
  const codes: number[] = [];
  for (const [path, request] of calls) codes.push((await rawGrpcCall(session, path, request)).code);
  session.close();
  server.kill("SIGTERM");
  return { codes, ...reportIn(String((await server).stderr)) };
}

function reportIn(stderr: string): ModuleReport {
  const said = (what: string) => {
    const answer = new RegExp(`${what} loaded: (true|false)`).exec(stderr)?.[1];
    return answer === undefined ? undefined : answer === "true";
  };
  return { fetchLoaded: said("fetch implementation"), http2Loaded: said("node:http2"), stderr };
}
