// Collects the uncaught exceptions and unhandled rejections of a test's duration, so that a test can assert there were none.
import type { Test } from "tap";

/** Starts collecting; the returned array fills as crashes happen, and collecting stops at `t`'s teardown. */
export function watchForCrashes(t: Test): unknown[] {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  t.teardown(() => {
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  });
  return crashes;
}
