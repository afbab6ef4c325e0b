// parseDigestText accepts `hash/size` and refuses everything else with a usage error (exit 2).
import t from "tap";
import { digestText, parseDigestText } from "../../src/client/digest-text.js";

const HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

t.test("valid digests", async (t) => {
  t.same(parseDigestText(`${HASH}/4`), { hash: HASH, sizeBytes: 4 });
  t.same(parseDigestText(`${HASH.toUpperCase()}/0`), { hash: HASH, sizeBytes: 0 }, "upper-case hex is lowered");
  t.same(parseDigestText(` ${HASH}/12\n`), { hash: HASH, sizeBytes: 12 }, "surrounding white space (from $(cat file)) is ignored");
  t.equal(digestText(parseDigestText(`${HASH}/9007199254740991`)), `${HASH}/9007199254740991`, "the largest safe size round-trips");
});

t.test("invalid digests", async (t) => {
  for (const bad of ["", HASH, `${HASH}/`, `${HASH}/-1`, `${HASH}/01`, `${HASH}/1.5`, `${HASH.slice(1)}/4`, `${HASH}0/4`, `${HASH}/4/5`, `${HASH}/99999999999999999`, `g${HASH.slice(1)}/4`]) {
    t.throws(() => parseDigestText(bad), { exitStatus: 2, message: /digest must be HASH\/SIZE/ }, JSON.stringify(bad));
  }
  t.throws(() => parseDigestText("x", "ACTION_DIGEST"), { message: /^ACTION_DIGEST must be/ }, "the message names the argument");
});
