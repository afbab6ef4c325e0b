// Whether a process id names a live process, to spare the temp files of writers still at work.

/** True when a process with `pid` exists (ours or another user's), false when none does. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: unknown }).code === "EPERM";
  }
}
