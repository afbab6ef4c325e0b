// Tests for src/policy/digest.ts: which hashes and sizes pass, which are refused, and the messages.
import { createHash } from "node:crypto";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  EMPTY_BLOB_DIGEST,
  formatDigest,
  isSha256Hex,
  parseDigest,
  parseHashAndSize,
  toWireDigest,
} from "../../src/policy/digest.js";

const H = createHash("sha256").update("hello").digest("hex");
const MAX = Number.MAX_SAFE_INTEGER;

/** Runs `fn`, expecting a ConnectError; returns it (or fails the test). */
function connectErrorOf(fn: () => unknown): ConnectError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  return undefined;
}

t.test("EMPTY_BLOB_DIGEST is sha256 of no bytes, size 0", async (t) => {
  t.equal(EMPTY_BLOB_DIGEST.hash, createHash("sha256").update("").digest("hex"));
  t.equal(EMPTY_BLOB_DIGEST.sizeBytes, 0);
  t.equal(isSha256Hex(EMPTY_BLOB_DIGEST.hash), true);
});

t.test("isSha256Hex", async (t) => {
  const cases: Array<[string, boolean]> = [
    [H, true],
    ["0".repeat(64), true],
    ["f".repeat(64), true],
    [H.toUpperCase(), false],
    ["A" + H.slice(1), false],
    [H.slice(1), false],
    [H + "0", false],
    ["g".repeat(64), false],
    ["", false],
    ["../../etc/passwd", false],
    [` ${H.slice(1)}`, false],
    [`${H}\n`, false],
  ];
  for (const [hash, expected] of cases) {
    t.equal(isSha256Hex(hash), expected, JSON.stringify(hash));
  }
});

t.test("accepted digests", async (t) => {
  const cases: Array<{ name: string; hash: string; size: bigint | string; max?: number; expected: number }> = [
    { name: "bigint size", hash: H, size: 5n, expected: 5 },
    { name: "string size", hash: H, size: "5", expected: 5 },
    { name: "zero (bigint)", hash: EMPTY_BLOB_DIGEST.hash, size: 0n, expected: 0 },
    { name: "zero (string)", hash: EMPTY_BLOB_DIGEST.hash, size: "0", expected: 0 },
    { name: "MAX_SAFE_INTEGER (bigint)", hash: H, size: BigInt(MAX), expected: MAX },
    { name: "MAX_SAFE_INTEGER (string)", hash: H, size: String(MAX), expected: MAX },
    { name: "size equal to the limit", hash: H, size: 10n, max: 10, expected: 10 },
    { name: "size equal to the limit (string)", hash: H, size: "10", max: 10, expected: 10 },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.strictSame(parseHashAndSize(c.hash, c.size, "x", c.max), { hash: c.hash, sizeBytes: c.expected });
      if (typeof c.size === "bigint") {
        t.strictSame(parseDigest({ hash: c.hash, sizeBytes: c.size }, "x", c.max), {
          hash: c.hash,
          sizeBytes: c.expected,
        });
      }
    });
  }
});

t.test("refused digests: INVALID_ARGUMENT naming the value", async (t) => {
  const cases: Array<{ name: string; hash: string; size: bigint | string; max?: number; shows: string }> = [
    { name: "upper-case hex", hash: H.toUpperCase(), size: 5n, shows: JSON.stringify(H.toUpperCase()) },
    { name: "63 chars", hash: H.slice(0, 63), size: 5n, shows: JSON.stringify(H.slice(0, 63)) },
    { name: "65 chars", hash: H + "a", size: 5n, shows: JSON.stringify(H + "a") },
    { name: "path traversal", hash: "../../etc/passwd", size: 5n, shows: '"../../etc/passwd"' },
    { name: "non-hex", hash: "z".repeat(64), size: 5n, shows: JSON.stringify("z".repeat(64)) },
    { name: "empty hash", hash: "", size: 0n, shows: 'hash ""' },
    { name: "negative size (bigint)", hash: H, size: -1n, shows: "size -1" },
    { name: "size above MAX_SAFE_INTEGER (bigint)", hash: H, size: BigInt(MAX) + 1n, shows: `size ${BigInt(MAX) + 1n}` },
    { name: "size 2^64-1 (bigint)", hash: H, size: 2n ** 64n - 1n, shows: `size ${2n ** 64n - 1n}` },
    { name: "size above MAX_SAFE_INTEGER (string)", hash: H, size: String(BigInt(MAX) + 1n), shows: String(BigInt(MAX) + 1n) },
    { name: "17-digit size (string)", hash: H, size: "10000000000000000", shows: '"10000000000000000"' },
    { name: "leading zero", hash: H, size: "05", shows: '"05"' },
    { name: "double zero", hash: H, size: "00", shows: '"00"' },
    { name: "plus sign", hash: H, size: "+5", shows: '"+5"' },
    { name: "minus sign", hash: H, size: "-5", shows: '"-5"' },
    { name: "minus zero", hash: H, size: "-0", shows: '"-0"' },
    { name: "leading space", hash: H, size: " 5", shows: '" 5"' },
    { name: "trailing space", hash: H, size: "5 ", shows: '"5 "' },
    { name: "trailing newline", hash: H, size: "5\n", shows: '"5\\n"' },
    { name: "hex size", hash: H, size: "0x10", shows: '"0x10"' },
    { name: "exponent", hash: H, size: "1e3", shows: '"1e3"' },
    { name: "decimal point", hash: H, size: "1.0", shows: '"1.0"' },
    { name: "empty size", hash: H, size: "", shows: 'size ""' },
    { name: "size over the limit (bigint)", hash: H, size: 11n, max: 10, shows: "size 11" },
    { name: "size over the limit (string)", hash: H, size: "11", max: 10, shows: "size 11" },
    { name: "any size over a limit of 0", hash: H, size: 1n, max: 0, shows: "size 1" },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = connectErrorOf(() => parseHashAndSize(c.hash, c.size, "the thing", c.max));
      t.ok(error, "throws a ConnectError");
      t.equal(error?.code, Code.InvalidArgument);
      t.match(error?.rawMessage, /^the thing: /, "message starts with `what`");
      t.ok(error?.rawMessage.includes(c.shows), `message names ${c.shows}: ${error?.rawMessage}`);
      if (typeof c.size === "bigint") {
        const viaWire = connectErrorOf(() => parseDigest({ hash: c.hash, sizeBytes: c.size as bigint }, "the thing", c.max));
        t.equal(viaWire?.code, Code.InvalidArgument, "parseDigest refuses it too");
        t.equal(viaWire?.rawMessage, error?.rawMessage);
      }
    });
  }
});

t.test("the limit message names the limit", async (t) => {
  const error = connectErrorOf(() => parseHashAndSize(H, 11n, "blob", 10));
  t.equal(error?.rawMessage, "blob: size 11 is over the largest blob this server takes (10 bytes)");
});

t.test("a long bad hash is shown truncated", async (t) => {
  const long = "x".repeat(500);
  const error = connectErrorOf(() => parseHashAndSize(long, 1n, "blob"));
  t.equal(error?.code, Code.InvalidArgument);
  t.ok(error?.rawMessage.includes(JSON.stringify("x".repeat(77) + "...")));
  t.notOk(error?.rawMessage.includes("x".repeat(78)));
});

t.test("parseDigest of a missing digest", async (t) => {
  const error = connectErrorOf(() => parseDigest(undefined, "action digest"));
  t.equal(error?.code, Code.InvalidArgument);
  t.equal(error?.rawMessage, "action digest: digest is missing");
});

t.test("formatDigest and toWireDigest", async (t) => {
  const cases: Array<[string, number, string]> = [
    [H, 5, `${H}/5`],
    [EMPTY_BLOB_DIGEST.hash, 0, `${EMPTY_BLOB_DIGEST.hash}/0`],
    [H, MAX, `${H}/${MAX}`],
  ];
  for (const [hash, sizeBytes, expected] of cases) {
    t.equal(formatDigest({ hash, sizeBytes }), expected);
    t.strictSame(toWireDigest({ hash, sizeBytes }), { hash, sizeBytes: BigInt(sizeBytes) });
    t.strictSame(parseDigest(toWireDigest({ hash, sizeBytes }), "round trip"), { hash, sizeBytes });
  }
});
