// Tests for src/backend/local/recent-uses.ts: uses kept for a window (or for good), the expired ones forgotten.
import t from "tap";
import { RecentUses } from "../../../src/backend/local/recent-uses.js";

t.test("without a window, every use is kept", async (t) => {
  let now = 0;
  const uses = new RecentUses({ now: () => now });
  uses.note("a");
  now = 1e12;
  t.equal(uses.has("a"), true);
  t.equal(uses.has("b"), false);
});

t.test("with a window, a use keeps a blob that long after its last use, and expired uses are forgotten", async (t) => {
  let now = 0;
  const uses = new RecentUses({ keepForMs: 100, now: () => now });
  uses.note("a");
  uses.note("b");
  now = 60;
  uses.note("a"); // a used again: kept from now
  now = 120;
  t.strictSame([uses.has("a"), uses.has("b")], [true, false], "b's window has passed, a's has not");
  uses.note("c");
  t.equal(uses.size, 2, "b forgotten when c was noted");
  now = 200;
  t.strictSame([uses.has("a"), uses.has("c")], [false, true]);
  for (let i = 0; i < 1000; i++) {
    now += 1;
    uses.note(`h${i}`);
  }
  t.ok(uses.size <= 101, `a long-lived store remembers one window's worth of uses (${uses.size})`);
});
