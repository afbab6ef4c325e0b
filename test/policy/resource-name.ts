// Tests for src/policy/resource-name.ts: ByteStream read and write names, accepted and refused.
import { createHash } from "node:crypto";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  parseReadResourceName,
  parseWriteResourceName,
  type BlobResourceName,
} from "../../src/policy/resource-name.js";

const H = createHash("sha256").update("hello").digest("hex");
const S = "5";
const UUID = "3f2b9c1e-8d4a-4b7e-9f10-2a6c5d7e8f90";
const digest = { hash: H, sizeBytes: 5 };

type Parser = (name: string, maxBlobSizeBytes?: number) => BlobResourceName;
const parsers: Record<"read" | "write", Parser> = { read: parseReadResourceName, write: parseWriteResourceName };

function refusalOf(parse: Parser, name: string, max?: number): ConnectError | undefined {
  try {
    parse(name, max);
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  return undefined;
}

t.test("accepted names", async (t) => {
  const cases: Array<{ kind: "read" | "write"; name: string; expected: BlobResourceName }> = [
    { kind: "read", name: `blobs/${H}/${S}`, expected: { instanceName: "", digest } },
    { kind: "read", name: `inst/blobs/${H}/${S}`, expected: { instanceName: "inst", digest } },
    { kind: "read", name: `a/b/c/blobs/${H}/${S}`, expected: { instanceName: "a/b/c", digest } },
    { kind: "read", name: `blobs/sha256/${H}/${S}`, expected: { instanceName: "", digest } },
    {
      kind: "read",
      name: `compressed-blobs/zstd/${H}/${S}`,
      expected: { instanceName: "", digest, compressor: "zstd" },
    },
    {
      kind: "read",
      name: `inst/compressed-blobs/zstd/sha256/${H}/${S}`,
      expected: { instanceName: "inst", digest, compressor: "zstd" },
    },
    {
      kind: "read",
      name: `blobs/${H}/0`,
      expected: { instanceName: "", digest: { hash: H, sizeBytes: 0 } },
    },
    {
      kind: "write",
      name: `uploads/${UUID}/blobs/${H}/${S}`,
      expected: { instanceName: "", digest, uploadId: UUID },
    },
    {
      kind: "write",
      name: `inst/uploads/${UUID}/blobs/${H}/${S}/trailing/metadata`,
      expected: { instanceName: "inst", digest, uploadId: UUID },
    },
    {
      kind: "write",
      name: `a/b/uploads/${UUID}/blobs/sha256/${H}/${S}`,
      expected: { instanceName: "a/b", digest, uploadId: UUID },
    },
    {
      kind: "write",
      name: `uploads/${UUID}/compressed-blobs/zstd/${H}/${S}`,
      expected: { instanceName: "", digest, uploadId: UUID, compressor: "zstd" },
    },
  ];
  for (const c of cases) {
    t.test(`${c.kind}: ${c.name}`, async (t) => {
      t.strictSame(parsers[c.kind](c.name), c.expected);
    });
  }
});

t.test("refused names: INVALID_ARGUMENT", async (t) => {
  const cases: Array<{ kind: "read" | "write"; label: string; name: string; why: RegExp; max?: number }> = [
    { kind: "read", label: "empty", name: "", why: /it is empty/ },
    { kind: "write", label: "empty", name: "", why: /it is empty/ },
    { kind: "read", label: "leading slash", name: `/blobs/${H}/${S}`, why: /empty, '\.' or '\.\.' segment/ },
    { kind: "write", label: "leading slash", name: `/uploads/${UUID}/blobs/${H}/${S}`, why: /empty, '\.' or '\.\.' segment/ },
    { kind: "read", label: "double slash in instance", name: `a//blobs/${H}/${S}`, why: /empty, '\.' or '\.\.' segment/ },
    { kind: "read", label: ".. in instance", name: `../blobs/${H}/${S}`, why: /'\.\.' segment/ },
    { kind: "read", label: ". in instance", name: `a/./blobs/${H}/${S}`, why: /'\.' or/ },
    { kind: "write", label: ".. in instance", name: `a/../uploads/${UUID}/blobs/${H}/${S}`, why: /'\.\.' segment/ },
    { kind: "read", label: ".. as hash", name: `blobs/../${S}`, why: /hash "\.\."/ },
    // The read parser anchors on the FIRST "blobs", so instance "blobs" is never seen as one: the
    // second "blobs" is taken as the hash, H as the size, and S as a segment too many.
    { kind: "read", label: "blobs/blobs/H/S", name: `blobs/blobs/${H}/${S}`, why: /unexpected segments after the size/ },
    { kind: "read", label: "blobs/blobs/H", name: `blobs/blobs/${H}`, why: /hash "blobs" is not 64/ },
    { kind: "write", label: "uploads/U/blobs/blobs/H/S", name: `uploads/${UUID}/blobs/blobs/${H}/${S}`, why: /hash "blobs" is not 64/ },
    { kind: "read", label: "reserved uploads in instance", name: `uploads/blobs/${H}/${S}`, why: /reserved word "uploads"/ },
    { kind: "read", label: "reserved actions in instance", name: `actions/blobs/${H}/${S}`, why: /reserved word "actions"/ },
    { kind: "read", label: "reserved capabilities", name: `a/capabilities/blobs/${H}/${S}`, why: /reserved word "capabilities"/ },
    { kind: "read", label: "reserved actionResults", name: `actionResults/blobs/${H}/${S}`, why: /reserved word "actionResults"/ },
    { kind: "write", label: "reserved blobs in instance", name: `blobs/uploads/${UUID}/blobs/${H}/${S}`, why: /reserved word "blobs"/ },
    { kind: "write", label: "reserved operations in instance", name: `operations/uploads/${UUID}/blobs/${H}/${S}`, why: /reserved word "operations"/ },
    { kind: "write", label: "reserved compressed-blobs", name: `compressed-blobs/uploads/${UUID}/blobs/${H}/${S}`, why: /reserved word "compressed-blobs"/ },
    { kind: "read", label: "missing size", name: `blobs/${H}`, why: /hash or size is missing/ },
    { kind: "read", label: "missing hash and size", name: "blobs", why: /hash or size is missing/ },
    { kind: "read", label: "empty size", name: `blobs/${H}/`, why: /size ""/ },
    { kind: "write", label: "missing size", name: `uploads/${UUID}/blobs/${H}`, why: /hash or size is missing/ },
    { kind: "read", label: "bad size", name: `blobs/${H}/05`, why: /size "05"/ },
    { kind: "read", label: "upper-case hash", name: `blobs/${H.toUpperCase()}/${S}`, why: /is not 64 lowercase hex/ },
    { kind: "read", label: "extra segment after read name", name: `blobs/${H}/${S}/extra`, why: /unexpected segments after the size/ },
    { kind: "read", label: "trailing slash after read name", name: `blobs/${H}/${S}/`, why: /unexpected segments after the size/ },
    { kind: "write", label: "upload id with a slash", name: `uploads/a/b/blobs/${H}/${S}`, why: /expected blobs\/ or compressed-blobs\// },
    { kind: "write", label: "upload id with a space", name: `uploads/a b/blobs/${H}/${S}`, why: /upload id is missing or malformed/ },
    { kind: "write", label: "upload id missing", name: `uploads//blobs/${H}/${S}`, why: /upload id is missing or malformed/ },
    { kind: "write", label: "uploads at the end", name: "uploads", why: /upload id is missing or malformed/ },
    { kind: "write", label: "upload id starting with a dot", name: `uploads/.x/blobs/${H}/${S}`, why: /upload id is missing or malformed/ },
    { kind: "write", label: "upload id of 129 chars", name: `uploads/${"a".repeat(129)}/blobs/${H}/${S}`, why: /upload id is missing or malformed/ },
    { kind: "read", label: "blake3 digest function", name: `blobs/blake3/${H}/${S}`, why: /digest function "blake3" is not supported/ },
    { kind: "write", label: "sha1 digest function", name: `uploads/${UUID}/blobs/sha1/${H}/${S}`, why: /digest function "sha1" is not supported/ },
    { kind: "read", label: "unknown digest function", name: `blobs/sha3/${H}/${S}`, why: /unexpected segments after the size/ },
    { kind: "read", label: "actions/...", name: `actions/${H}/${S}`, why: /no blobs\/ segment/ },
    { kind: "read", label: "operations/...", name: "operations/op-1", why: /no blobs\/ segment/ },
    { kind: "write", label: "actions/...", name: `actions/${H}/${S}`, why: /no uploads\/ segment/ },
    { kind: "read", label: "compressor missing", name: `compressed-blobs/${H}/${S}`, why: /hash or size is missing|not 64/ },
    { kind: "read", label: "compressor upper-case", name: `compressed-blobs/ZSTD/${H}/${S}`, why: /compressor is missing or malformed/ },
    { kind: "read", label: "NUL", name: `blobs/${H}/5\u0000`, why: /control characters/ },
    { kind: "read", label: "newline", name: `inst\n/blobs/${H}/${S}`, why: /control characters/ },
    { kind: "read", label: "DEL", name: `in\u007fst/blobs/${H}/${S}`, why: /control characters/ },
    { kind: "write", label: "tab", name: `uploads/${UUID}/blobs/${H}/${S}/meta\tdata`, why: /control characters/ },
    { kind: "read", label: "backslash", name: `a\\b/blobs/${H}/${S}`, why: /backslashes/ },
    { kind: "read", label: "4097 characters", name: `${"a/".repeat(2000)}${"b".repeat(97)}/blobs/${H}/${S}`.slice(0, 4097), why: /longer than 4096/ },
    { kind: "read", label: "long instance, 4097 total", name: `${"i".repeat(4097 - `/blobs/${H}/${S}`.length)}/blobs/${H}/${S}`, why: /longer than 4096/ },
    { kind: "read", label: "size over the limit", name: `blobs/${H}/11`, max: 10, why: /size 11 is over/ },
    { kind: "write", label: "size over the limit", name: `uploads/${UUID}/blobs/${H}/11`, max: 10, why: /size 11 is over/ },
    { kind: "read", label: "write name to the read parser", name: `inst/uploads/${UUID}/blobs/${H}/${S}`, why: /reserved word "uploads"/ },
    { kind: "read", label: "bare write name to the read parser", name: `uploads/${UUID}/blobs/${H}/${S}`, why: /reserved word "uploads"/ },
    { kind: "write", label: "read name to the write parser", name: `inst/blobs/${H}/${S}`, why: /no uploads\/ segment/ },
  ];
  for (const c of cases) {
    t.test(`${c.kind}: ${c.label}`, async (t) => {
      const error = refusalOf(parsers[c.kind], c.name, c.max);
      t.ok(error, "refused with a ConnectError");
      t.equal(error?.code, Code.InvalidArgument);
      t.match(error?.rawMessage, c.why);
    });
  }
});

t.test("the refusal names the resource and the kind, truncated when long", async (t) => {
  const short = refusalOf(parseReadResourceName, "nope");
  t.equal(short?.rawMessage, 'resource name "nope" is not a CAS blob read name: no blobs/ segment');
  const w = refusalOf(parseWriteResourceName, "nope");
  t.equal(w?.rawMessage, 'resource name "nope" is not a CAS blob write name: no uploads/ segment');
  const long = "q".repeat(300);
  const truncated = refusalOf(parseReadResourceName, long);
  t.ok(truncated?.rawMessage.includes(JSON.stringify("q".repeat(117) + "...")));
  t.notOk(truncated?.rawMessage.includes("q".repeat(118)));
});

t.test("4096 characters is still accepted", async (t) => {
  const tail = `/blobs/${H}/${S}`;
  const name = "i".repeat(4096 - tail.length) + tail;
  t.equal(name.length, 4096);
  t.equal(parseReadResourceName(name).instanceName, "i".repeat(4096 - tail.length));
});
