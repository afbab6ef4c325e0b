// The reason a file-system error gives, in one line, without the call and path Node appends to its message.

/** "EACCES: permission denied, open '/x'" and "ENOSPC: no space left on device, write" give what comes before the comma; any other error its first line. */
export function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? "").replace(/, [a-z]+( '.*')?$/, "");
}
