// Self-signed certificates made with openssl, and `bst-cas-run serve` started for a test.
import { join } from "node:path";
import type { Readable } from "node:stream";
import { execa } from "execa";
import { startTool, type ToolOptions } from "./run-tool.js";

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** Makes a one-day self-signed RSA certificate for 127.0.0.1 as `<name>.cert.pem` and `<name>.key.pem` in `dir`. */
export async function makeSelfSignedCert(dir: string, name: string): Promise<CertificateFiles> {
  const cert = join(dir, `${name}.cert.pem`);
  const key = join(dir, `${name}.key.pem`);
  await execa("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", key, "-out", cert,
  ]);
  return { cert, key };
}

/** A running `bst-cas-run serve`. */
export interface ServeProcess {
  /** What it printed after "serving on": the socket path, or HOST:PORT with the chosen port. */
  readonly address: string;
  /** Sends SIGTERM and resolves with how the process ended (the statistics are written by then). */
  stop(): Promise<{ exitCode: number | undefined; stderr: string }>;
}

/** What a test passes: only teardown is needed. */
interface TestLike {
  teardown(fn: () => unknown): void;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Starts `bst-cas-run serve args...` and resolves once it prints `bst-cas-run: serving on
 * ADDRESS`; rejects with its stderr if it ends or stays silent first. Stopped at the end of `t`.
 */
export async function startServe(t: TestLike, args: readonly string[], options: ToolOptions = {}): Promise<ServeProcess> {
  const child = startTool(["serve", ...args], options);
  const ended = child.then((result) => ({ exitCode: result.exitCode, stderr: String(result.stderr) }));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return ended;
  };
  t.teardown(stop);
  return { address: await untilServing(child), stop };
}

/** A started `serve` process, as execa gives it: its stderr, and how it ends. */
export interface StartingServe extends PromiseLike<{ readonly exitCode?: number | undefined; readonly stderr?: unknown }> {
  readonly stderr: Readable | null;
}

/**
 * Resolves with the address a starting `bst-cas-run serve` prints (`bst-cas-run: serving on
 * ADDRESS`), once it listens: its socket file appears a moment earlier, when connections are still
 * refused. Rejects with its stderr if it ends or stays silent first.
 */
export function untilServing(child: StartingServe): Promise<string> {
  let stderr = "";
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no address within ${READY_TIMEOUT_MS} ms: ${stderr}`)), READY_TIMEOUT_MS);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /bst-cas-run: serving on (\S+)\n/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`serve ended (${result.exitCode}) before serving: ${String(result.stderr)}`));
    });
  });
}
