// Through a real terminal (tmux, an interactive bash as the user's shell): Ctrl-C, Ctrl-Z, exit status, no terminal control from the sandbox; and --interactive's terminal of its own.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import t, { type Test } from "tap";
import { BIN, runTool } from "../helpers/run-tool.js";

/** Polls until `predicate` holds or `timeoutMs` passes. */
async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) {
    if (await predicate()) return true;
  }
  return false;
}

/**
 * This file's own tmux server (`tmux -S`, its socket in a private directory), kept running for the
 * whole file by a session that only waits: a server whose last session ends exits, and a test
 * starting its terminal meanwhile met "server exited unexpectedly". Stopped and removed at the end.
 */
const tmuxDir = mkdtempSync("/tmp/bcr-tmux-");
const tmux = (args: readonly string[], options: { reject?: boolean } = {}) => execa("tmux", ["-S", join(tmuxDir, "server"), ...args], options);
await tmux(["new-session", "-d", "-s", "keeper", "sleep 86400"]);
t.teardown(async () => {
  await tmux(["kill-server"], { reject: false });
  rmSync(tmuxDir, { recursive: true, force: true });
});

/**
 * A tmux terminal running an interactive bash (with job control, as a user's shell has), ready
 * to type into. `run(args)` types `bst-cas-run args; echo tool-exit=$?` and `toolExit()` waits
 * for that line's status.
 */
async function terminal(t: Test, files: Record<string, string> = {}) {
  const dir = t.testdir({ cache: {}, ...files });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  const session = `bcr-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  t.teardown(async () => {
    await tmux(["kill-session", "-t", session], { reject: false });
    rmSync(runtime, { recursive: true, force: true });
  });
  const statusFile = join(dir, "status");
  const shell = `env -u NODE_OPTIONS XDG_RUNTIME_DIR=${runtime} BST_CAS_RUN_CACHE_DIR=${join(dir, "cache")} PS1='outer$ ' bash --norc --noprofile -i`;
  await tmux(["new-session", "-d", "-s", session, "-x", "200", "-y", "40", "-c", dir, shell]);
  const type = async (...keys: string[]) => void (await tmux(["send-keys", "-t", session, ...keys]));
  const screen = async () => (await tmux(["capture-pane", "-p", "-J", "-t", session], { reject: false })).stdout;
  const shows = async (pattern: RegExp) => waitFor(async () => pattern.test(await screen()), 10_000);
  t.ok(await shows(/^outer\$ ?$/m), "the user's shell is ready");
  return {
    type,
    screen,
    shows,
    run: (args: string) => type(`${process.execPath} ${BIN} ${args}; echo tool-exit=$? > ${statusFile}`, "Enter"),
    toolExit: async () => {
      await waitFor(async () => (await readFile(statusFile, "utf8").catch(() => "")).includes("tool-exit"), 10_000);
      return (await readFile(statusFile, "utf8").catch(() => "")).trim();
    },
  };
}

t.test("bash in the sandbox: Ctrl-C stops its command, not the shell or the tool; no job control; the exit status comes back", async (t) => {
  const term = await terminal(t);
  await term.run("-- bash --norc --noprofile -i");
  t.ok(await term.shows(/no job control/), "bash says it has no job control: the sandbox is a session without a terminal");
  await term.type("sleep 300", "Enter");
  await sleep(500);
  await term.type("C-c");
  await term.type('echo "alive $RECC_SERVER"', "Enter");
  t.ok(await term.shows(/^alive unix:\/run\/reapi\.sock$/m), "Ctrl-C stopped sleep, not the shell or the tool");
  await term.type("exit 4", "Enter");
  t.equal(await term.toolExit(), "tool-exit=4", "the shell's exit status is the tool's");
});

for (const mode of ["bwrap", "none"]) {
  t.test(`--sandbox ${mode}: Ctrl-C reaches the command exactly once, and only it decides to end`, async (t) => {
    const term = await terminal(t);
    // Counts SIGINTs for a second after the first, then exits with the count.
    const script = "let n=0; process.on('SIGINT',()=>{if(n++===0)setTimeout(()=>{console.log('got '+n);process.exit(n)},1000)}); console.log('ready'); setTimeout(()=>{},60000)";
    await term.run(`--sandbox ${mode} -- ${process.execPath} -e "${script}"`);
    t.ok(await term.shows(/^ready$/m), "the command runs");
    await term.type("C-c");
    t.equal(await term.toolExit(), "tool-exit=1", "one SIGINT; the command ended when it chose to, with its own status");
    t.match(await term.screen(), /got 1$/m);
  });
}

for (const mode of ["bwrap", "none"]) {
  t.test(`--sandbox ${mode}: Ctrl-Z stops the command with the tool, and fg continues both`, async (t) => {
    const term = await terminal(t);
    const ticks = join(t.testdirName, "ticks");
    await term.run(`--sandbox ${mode} -- sh -c 'echo started; while :; do echo tick >> ${ticks}; sleep 0.05; done'`);
    t.ok(await term.shows(/^started$/m), "the command runs");
    await sleep(300);
    await term.type("C-z");
    t.ok(await term.shows(/Stopped/), "the user's shell sees the tool stopped");
    await sleep(300);
    const stopped = (await readFile(ticks, "utf8")).length;
    await sleep(700);
    t.equal((await readFile(ticks, "utf8")).length, stopped, "the command is stopped too");
    await term.type("fg", "Enter");
    t.ok(await waitFor(async () => (await readFile(ticks, "utf8")).length > stopped, 5000), "fg continues the command");
    await term.type("C-c");
    // fg's status is the job's; the `; echo tool-exit` after the tool ran already, when it stopped.
    await term.type('echo "fg-exit=$?"', "Enter");
    t.ok(await term.shows(/^fg-exit=130$/m), "Ctrl-C then ends it");
  });
}

/** The pid of the tool run with `args` first (in a {@link terminal}); a failed check when there is none. */
async function toolPid(t: Test, args: string): Promise<number> {
  const found = (await execa("pgrep", ["-f", `${BIN} ${args}`], { reject: false })).stdout.split("\n")[0] ?? "";
  t.match(found, /^[0-9]+$/, "the tool is found");
  return Number(found);
}

/** Whether, within 5 s, no process runs whose whole command line is `commandLine`. */
function noProcessRuns(commandLine: string): Promise<boolean> {
  return waitFor(async () => (await execa("pgrep", ["-fx", commandLine], { reject: false })).exitCode === 1, 5000);
}

/**
 * Run in the sandbox: can it open /dev/tty, and can it push "echo pwned-$((6*7))" and a newline
 * into the terminal's input with TIOCSTI (0x5412), to be run by the user's shell once the tool
 * has ended?
 */
/** A command without job control that handles Ctrl-C (as a Python prompt does) and Ctrl-\\, and leaves with 9 at the third. */
const HANDLES_KEYS = [
  "n=0",
  "caught() { n=$((n+1)); echo \"caught-$1-$n\"; [ \"$n\" -lt 3 ] || exit 9; }",
  "trap 'caught int' INT",
  "trap 'caught quit' QUIT",
  "echo ready",
  "while :; do sleep 0.1; done",
  "",
].join("\n");

const INJECT = `if (: </dev/tty) 2>/dev/null; then echo has-tty; else echo no-tty; fi
exec perl -e 'for (split //, "echo pwned-\\$((6*7))\\n") { ioctl(STDIN, 0x5412, $_) or do { print "refused: $!\\n"; exit 1 } } print "injected\\n"'
`;

t.test("the command has no controlling terminal: /dev/tty cannot be opened and TIOCSTI cannot type into the user's shell", async (t) => {
  const term = await terminal(t, { "inject.sh": INJECT });
  await term.run("-- sh inject.sh");
  t.equal(await term.toolExit(), "tool-exit=1", "the injection failed");
  await sleep(500);
  const screen = await term.screen();
  t.match(screen, /^no-tty$/m, "no controlling terminal");
  t.match(screen, /^refused: /m, "TIOCSTI refused");
  t.notMatch(screen, /^pwned-42$/m, "nothing was typed into the user's shell");
});

for (const mode of ["bwrap", "none"]) {
  t.test(`--interactive --sandbox ${mode}: a shell with job control and /dev/tty, in a terminal of its own; the exit status comes back`, async (t) => {
    const term = await terminal(t);
    await term.run(`--interactive --sandbox ${mode} -- bash --norc --noprofile -i`);
    await term.type('echo "flags=$- server=$RECC_SERVER"; (: </dev/tty) && echo has-tty', "Enter");
    t.ok(await term.shows(/^flags=\S*m\S* server=unix:\S+$/m), "bash has job control (m in $-), and the recc environment");
    t.ok(await term.shows(/^has-tty$/m), "the command has a controlling terminal");
    t.notMatch(await term.screen(), /no job control/, "bash does not complain");
    await term.type("sleep 300", "Enter");
    await sleep(500);
    await term.type("C-z");
    t.ok(await term.shows(/^\[1\]\+\s+Stopped\s+sleep 300$/m), "Ctrl-Z stops bash's job, and bash says so");
    await term.type("kill -9 %1; sleep 0.2; jobs; echo jobs-listed", "Enter");
    t.ok(await term.shows(/Killed\s+sleep 300/), "the job is bash's to end");
    await term.type("exit 4", "Enter");
    t.equal(await term.toolExit(), "tool-exit=4", "the shell's exit status is the tool's");
  });
}

for (const mode of ["bwrap", "none"]) {
  t.test(`--interactive --sandbox ${mode}: Ctrl-Z does not stop a command without job control; Ctrl-C ends it`, async (t) => {
    const term = await terminal(t);
    const ticks = join(t.testdirName, "ticks");
    await term.run(`--interactive --sandbox ${mode} -- sh -c 'echo started; while :; do echo tick >> ${ticks}; sleep 0.05; done'`);
    t.ok(await term.shows(/^started$/m), "the command runs");
    await term.type("C-z");
    await sleep(500);
    const after = (await readFile(ticks, "utf8")).length;
    t.ok(await waitFor(async () => (await readFile(ticks, "utf8")).length > after, 2000), "it keeps running: nothing in its terminal could continue it");
    t.notMatch(await term.screen(), /Stopped/, "and the user's shell has nothing stopped");
    await term.type("C-c");
    t.equal(await term.toolExit(), "tool-exit=130", "Ctrl-C ends it: 128+SIGINT");
  });
}

for (const mode of ["bwrap", "none"]) {
  t.test(`--interactive --sandbox ${mode}: Ctrl-C and Ctrl-\\ reach a command that handles them, which goes on; the sandbox is not ended`, async (t) => {
    const term = await terminal(t, { "handles.sh": HANDLES_KEYS });
    await term.run(`--interactive --sandbox ${mode} -- sh handles.sh`);
    t.ok(await term.shows(/^ready$/m), "the command runs");
    await term.type("C-c");
    t.ok(await term.shows(/^(\^C)?caught-int-1$/m), "Ctrl-C reached the command's handler (after the terminal echoed ^C)");
    await term.type("C-\\");
    t.ok(await term.shows(/^(\^\\)?caught-quit-2$/m), "so did Ctrl-\\: the command went on after the first");
    await term.type("C-c");
    t.equal(await term.toolExit(), "tool-exit=9", "the command decided when to end, and its status is the tool's");
  });
}

t.test("--interactive: TIOCSTI types only into the command's own terminal, never into the user's shell", async (t) => {
  const term = await terminal(t, { "inject.sh": INJECT });
  await term.run("--interactive -- sh inject.sh");
  t.equal(await term.toolExit(), "tool-exit=0", "the injection itself succeeded, into the command's terminal");
  await sleep(500);
  const screen = await term.screen();
  t.match(screen, /^has-tty$/m, "a controlling terminal of its own");
  t.match(screen, /^injected$/m);
  t.notMatch(screen, /^pwned-42$/m, "nothing was run by the user's shell");
});

t.test("--interactive without a terminal on standard input stops at start in one line: 125, the command never run", async (t) => {
  const dir = t.testdir({});
  const marker = join(dir, "ran");
  for (const args of [["--interactive"], ["--interactive", "--sandbox", "none"]]) {
    const run = await runTool([...args, "--", "sh", "-c", `touch ${marker}`], { cwd: dir });
    t.equal(run.exitCode, 125, `${args.join(" ")}: exit 125`);
    t.equal(run.stderr, "bst-cas-run: --interactive needs a terminal on standard input", "one line saying why");
    t.notOk(existsSync(marker), "the command never ran");
  }
});

for (const mode of ["bwrap", "none"]) {
  t.test(`--interactive --sandbox ${mode}: SIGTERM to the tool reaches the command once; what it leaves is ended`, async (t) => {
    const term = await terminal(t);
    // A sleep no other process runs: found by its arguments.
    const tag = `sleep 300.${process.pid}${mode === "bwrap" ? 1 : 2}`;
    await term.run(`--interactive --sandbox ${mode} -- sh -c 'trap "echo got-term; exit 7" TERM; ${tag} & echo ready; wait'`);
    t.ok(await term.shows(/^ready$/m), "the command runs");
    const tool = await toolPid(t, `--interactive --sandbox ${mode}`);
    process.kill(tool, "SIGTERM");
    t.equal(await term.toolExit(), "tool-exit=7", "the command's trap ran, and its status is the tool's");
    t.equal((await term.screen()).match(/^got-term$/gm)?.length, 1, "once");
    t.ok(await noProcessRuns(tag), "the background process it left is gone");
  });
}

for (const mode of ["bwrap", "none"]) {
  t.test(`--interactive --sandbox ${mode}: the tool killed with SIGKILL takes the command with it, and the terminal comes back`, async (t) => {
    const term = await terminal(t);
    const tag = `sleep 300.${process.pid}${mode === "bwrap" ? 3 : 4}`;
    await term.run(`--interactive --sandbox ${mode} -- sh -c 'echo ready; ${tag}'`);
    t.ok(await term.shows(/^ready$/m), "the command runs");
    const tool = await toolPid(t, `--interactive --sandbox ${mode}`);
    process.kill(tool, "SIGKILL");
    t.equal(await term.toolExit(), "tool-exit=137", "the user's shell sees the tool killed");
    t.ok(await noProcessRuns(tag), "the command is gone too");
    await sleep(500);
    await term.type("echo cooked-$((40+2))", "Enter");
    t.ok(await term.shows(/^cooked-42$/m), "the user's shell reads and echoes lines as before");
  });
}
