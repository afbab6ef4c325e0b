// --interactive: the command gets a pseudo-terminal of its own, made and relayed to the user's terminal by script(1).
import type { TerminalTools } from "./find-terminal-tools.js";

/** The shell script(1) runs the command line with: its quoting is the one {@link shellWord} writes. */
const SCRIPT_SHELL = "/bin/sh";

/** How to start `argv` under script(1): the program, its arguments and the environment to give it. */
export interface TerminalLaunch {
  readonly file: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * How to run `argv` with `env` in a new session whose controlling terminal is a pseudo-terminal
 * that `script` relays to this process's terminal (put in raw mode meanwhile, so Ctrl-C and Ctrl-Z
 * reach the pseudo-terminal's foreground process group, not this process). What the command
 * types into that terminal with TIOCSTI reaches only the command's own session. `script -e`
 * ends with the command's status (128+N after signal N); `-q` adds no banner and the log goes
 * to /dev/null. script(1) runs the command line with $SHELL, so SHELL is set to /bin/sh for it
 * and restored to `env`'s before the command runs. script is started through `setpriv
 * --pdeathsig TERM`: should this process die (even by SIGKILL), script gets SIGTERM, ends the
 * command's session and gives the terminal back as it was. `argv` starts with the
 * `ignoredSignals` (names without SIG) ignored, as a shell's `trap ''` leaves them across exec.
 */
export function underScript(tools: TerminalTools, argv: readonly string[], env: NodeJS.ProcessEnv, ignoredSignals: readonly string[] = []): TerminalLaunch {
  const shell = env["SHELL"];
  const restoreShell = shell === undefined ? "unset SHELL" : `SHELL=${shellWord(shell)}; export SHELL`;
  const ignore = ignoredSignals.length > 0 ? ` trap '' ${ignoredSignals.join(" ")};` : "";
  const line = `${restoreShell};${ignore} exec ${argv.map(shellWord).join(" ")}`;
  return {
    file: tools.setpriv,
    args: ["--pdeathsig", "TERM", "--", tools.script, "-q", "-e", "-c", line, "/dev/null"],
    env: { ...env, SHELL: SCRIPT_SHELL },
  };
}

/** `word` as one word of a POSIX shell command line: in single quotes, a single quote written '\''. */
export function shellWord(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}
