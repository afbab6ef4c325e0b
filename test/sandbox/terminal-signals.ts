// Tests for src/sandbox/terminal-signals.ts, with the real bwrap: the probe finds the root's env(1), and what it finds gives the command back signals bwrap ignores.
import { execa } from "execa";
import t from "tap";
import { findBwrap } from "../../src/sandbox/find-bwrap.js";
import { findSignalRestorer, TERMINAL_SIGNALS } from "../../src/sandbox/terminal-signals.js";
import { ignoredMask, INT_AND_QUIT, PRINT_IGNORED } from "../helpers/ignored-signals.js";

const bwrap = findBwrap();
const env = { PATH: process.env["PATH"] ?? "" };

/** The signals the command ignores, as a mask: run by /bin/sh after `trap '' INT QUIT`, in a sandbox over the host's root, through `prefix`. */
async function ignoredByCommand(prefix: readonly string[]): Promise<bigint> {
  const sandbox = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "--", ...prefix, ...PRINT_IGNORED];
  const line = `trap '' ${TERMINAL_SIGNALS.join(" ")}; exec "$@"`;
  const run = await execa("/bin/sh", ["-c", line, "sh", ...sandbox], { env, extendEnv: false });
  return ignoredMask(run.stdout);
}

t.test("the host's root has GNU env with --default-signal: the prefix names it and the two signals", async (t) => {
  t.strictSame(await findSignalRestorer(bwrap, "/", env), ["/usr/bin/env", "--default-signal=INT,QUIT", "--"]);
});

t.test("a root without such an env(1), or where no sandbox can be set up, has none", async (t) => {
  const dir = t.testdir({ empty: {}, "fake-env": { usr: { bin: { env: "not a program\n" } }, dev: {}, proc: {} } });
  t.equal(await findSignalRestorer(bwrap, `${dir}/empty`, env), undefined, "an empty root");
  t.equal(await findSignalRestorer(bwrap, `${dir}/fake-env`, env), undefined, "an env(1) that cannot run");
  t.equal(await findSignalRestorer(`${dir}/no-bwrap`, "/", env), undefined, "no bwrap to probe with");
});

t.test("ignored when bwrap starts, INT and QUIT reach the command at their defaults through the prefix, and only through it", async (t) => {
  const prefix = await findSignalRestorer(bwrap, "/", env);
  if (prefix === undefined) throw new Error("the host's root has no env(1) with --default-signal");
  t.equal((await ignoredByCommand([])) & INT_AND_QUIT, INT_AND_QUIT, "without it the command inherits both ignored");
  t.equal((await ignoredByCommand(prefix)) & INT_AND_QUIT, 0n, "with it, neither is");
});
