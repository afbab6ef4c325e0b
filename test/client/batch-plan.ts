// planBatches keeps every batch within the budget (blob bytes plus per-item framing) and streams what cannot fit.
import t from "tap";
import { planBatches } from "../../src/client/batch-plan.js";
import { BATCH_ITEM_OVERHEAD } from "../../src/client/transfer-limits.js";

const item = (name: string, size: number) => ({ name, digest: { hash: name.padEnd(64, "0"), sizeBytes: size } });

t.test("grouping in order within the budget", async (t) => {
  const budget = 1000 + 2 * BATCH_ITEM_OVERHEAD;
  const plan = planBatches([item("a", 600), item("b", 400), item("c", 1), item("d", 2000), item("e", 1000)], budget);
  t.same(plan.batches.map((batch) => batch.map((i) => i.name)), [["a", "b"], ["c"], ["e"]], "c and e together would be one byte over");
  t.same(plan.streamed.map((i) => i.name), ["d"], "an item larger than the budget is streamed");
  for (const batch of plan.batches) {
    t.ok(batch.reduce((sum, i) => sum + i.digest.sizeBytes + BATCH_ITEM_OVERHEAD, 0) <= budget, "within the budget");
  }
});

t.test("the item count cap and the empty input", async (t) => {
  const many = Array.from({ length: 25 }, (_, i) => item(`i${i}`, 0));
  t.same(planBatches(many, 1_000_000, 10).batches.map((batch) => batch.length), [10, 10, 5]);
  t.same(planBatches([], 1000), { batches: [], streamed: [] });
  t.same(planBatches([item("x", 1000 - BATCH_ITEM_OVERHEAD)], 1000).batches.length, 1, "an item exactly at the budget fits");
  t.same(planBatches([item("x", 1001 - BATCH_ITEM_OVERHEAD)], 1000).streamed.length, 1, "one byte more does not");
});
