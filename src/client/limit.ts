// A concurrency limit: at most N of the given tasks run at once.

/** Runs a task when a slot is free and resolves with its result. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** A limiter with `slots` slots. Tasks must not wait for other tasks of the same limiter (deadlock). */
export function createLimiter(slots: number): Limiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
