// Recognising Node's filesystem errors by their errno code.

/** True when `error` is a Node system error with `code` (e.g. "ENOENT"). */
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/** Runs `work`, turning ENOENT into `undefined`: for files another process may remove at any time. */
export async function unlessGone<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}
