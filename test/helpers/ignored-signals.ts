// What a process ignores, read from its /proc status: for tests of the signals a command starts with.
/** The command line that prints the running command's ignored-signal mask: its `SigIgn:` line of /proc/self/status. */
export const PRINT_IGNORED = ["grep", "^SigIgn:", "/proc/self/status"] as const;

/** SIGINT and SIGQUIT in such a mask (bit N-1 for signal N). */
export const INT_AND_QUIT = (1n << 1n) | (1n << 2n);

/** The mask in what {@link PRINT_IGNORED} printed. */
export function ignoredMask(printed: string): bigint {
  return BigInt(`0x${printed.split(/\s+/)[1] ?? ""}`);
}
