// The program's parts a run loads only when it needs them; scripts/build.js bundles them apart from the run path.

/** The server behind the socket, with the stores and the upstream client. */
export const loadFilteringServer = () => import("./run/filtering-server.js");

/** The full command-line parser (clipanion) and every command besides a plain run. */
export const loadClipanionCli = () => import("./cli/clipanion-cli.js");

/** Finding what --interactive runs: node:tty, which it needs, would cost every plain run 2 ms to load. */
export const loadTerminalToolsFinder = () => import("./sandbox/find-terminal-tools.js");
