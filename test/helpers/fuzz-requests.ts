// Seeded hostile REAPI calls for the fuzz test: structured requests with hostile parts, damaged bodies, unknown paths.
import { create, toBinary, type DescMessage, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import * as remote from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import * as bytestream from "../../src/gen/google/bytestream/bytestream_pb.js";
import { METHOD_TABLE, type PolicyFlags } from "../../src/policy/method-table.js";
import { pathOf, type Shape } from "./grpc-call.js";
import { garble, HostileStrings, Rng, sha256Hex, unknownPath } from "./fuzz-inputs.js";
import { SHAPES } from "./method-shapes.js";

const S = grpc.status;
/** What an allowed method may answer a hostile request: never UNKNOWN, INTERNAL, UNIMPLEMENTED or a hang. */
export const SERVED: readonly number[] = [
  S.OK, S.INVALID_ARGUMENT, S.NOT_FOUND, S.PERMISSION_DENIED, S.OUT_OF_RANGE, S.FAILED_PRECONDITION, S.RESOURCE_EXHAUSTED,
];
const MAX_SAFE = 2n ** 53n - 1n;
const CAS = remote.ContentAddressableStorage.method;
const AC = remote.ActionCache.method;
const BS = bytestream.ByteStream.method;

/** One generated call and what may come back. */
export interface Input {
  readonly label: string;
  readonly path: string;
  readonly shape: Shape;
  readonly bodies: Uint8Array[];
  readonly codes: readonly number[];
  /** True when the request is invalid by the spec: it must not succeed. */
  readonly mustFail: boolean;
  /** True when the bodies are random or damaged bytes. */
  readonly garbled?: boolean;
  /** Indexes of BatchUpdateBlobs items that must not be stored. */
  readonly badItems?: readonly number[];
}

export const encode = <M extends DescMessage>(schema: M, init: MessageInitShape<M>) => toBinary(schema, create(schema, init));

/** An input calling a generated method with encoded requests. */
function request<I extends DescMessage>(
  method: DescMethod & { readonly input: I },
  label: string,
  inits: readonly MessageInitShape<I>[],
  mustFail: boolean,
  extra: Partial<Input> = {},
): Input {
  const bodies = inits.map((init) => encode(method.input, init));
  return { label: `${method.name} ${label}`, path: pathOf(method), shape: method.methodKind, bodies, codes: SERVED, mustFail, ...extra };
}

const validDigest = (d: { hash: string; sizeBytes: bigint }) => /^[0-9a-f]{64}$/.test(d.hash) && d.sizeBytes >= 0n && d.sizeBytes <= MAX_SAFE;

/** An independent reading of the ByteStream name grammar: names outside it must fail. */
function validName(name: string, kind: "read" | "write", served: string): boolean {
  const prefix = served === "" ? "" : `${served.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`;
  const upload = kind === "write" ? "uploads/[A-Za-z0-9][A-Za-z0-9._-]{0,127}/" : "";
  const tail = kind === "write" ? "(/.*)?" : "";
  const grammar = `^${prefix}${upload}(blobs|compressed-blobs/identity)/(sha256/)?[0-9a-f]{64}/(?<size>0|[1-9][0-9]{0,15})${tail}$`;
  const match = new RegExp(grammar, "s").exec(name);
  return match !== null && BigInt(match.groups?.["size"] ?? "-1") <= MAX_SAFE;
}

/** A structured request to an allowed method, with hostile parts. */
function structured(r: Rng, strings: HostileStrings, served: string, flags: PolicyFlags): Input {
  const instanceName = strings.instance(r, served);
  const wrong = instanceName !== served;
  const digests = () => Array.from({ length: r.int(4) }, () => strings.digest(r));
  switch (r.int(10)) {
    case 0: {
      const resourceName = strings.resourceName(r, "read", served);
      const init = { resourceName, readOffset: strings.sizeValue(r), readLimit: strings.sizeValue(r) };
      return request(BS.read, resourceName, [init], !validName(resourceName, "read", served));
    }
    case 1: {
      const resourceName = strings.resourceName(r, "write", served);
      const first = { resourceName, writeOffset: r.chance(0.7) ? 0n : strings.sizeValue(r), data: r.bytes(r.int(300)), finishWrite: r.chance(0.6) };
      const rest = Array.from({ length: r.int(3) }, () => ({
        resourceName: r.chance(0.8) ? "" : strings.word(r),
        writeOffset: strings.sizeValue(r),
        data: r.bytes(r.int(100)),
        finishWrite: r.chance(0.5),
      }));
      return request(BS.write, resourceName, [first, ...rest], !validName(resourceName, "write", served));
    }
    case 2: {
      const resourceName = strings.resourceName(r, "write", served);
      return request(BS.queryWriteStatus, resourceName, [{ resourceName }], !validName(resourceName, "write", served));
    }
    case 3: {
      const blobDigests = digests();
      return request(CAS.findMissingBlobs, instanceName, [{ instanceName, blobDigests }], wrong || !blobDigests.every(validDigest));
    }
    case 4: {
      const requests = Array.from({ length: 1 + r.int(4) }, () => {
        const data = r.bytes(r.int(200));
        const digest = r.chance(0.4) ? { hash: sha256Hex(data), sizeBytes: BigInt(data.byteLength) } : strings.digest(r);
        return { digest, data, compressor: r.chance(0.9) ? 0 : r.int(5) };
      });
      const honest = (item: (typeof requests)[number]) =>
        item.compressor === 0 && item.digest.hash === sha256Hex(item.data) && item.digest.sizeBytes === BigInt(item.data.byteLength);
      const badItems = requests.flatMap((item, index) => (honest(item) ? [] : [index]));
      return request(CAS.batchUpdateBlobs, instanceName, [{ instanceName, requests }], wrong, { badItems });
    }
    case 5: {
      const list = digests();
      return request(CAS.batchReadBlobs, instanceName, [{ instanceName, digests: list }], wrong || !list.every(validDigest));
    }
    case 6: {
      const rootDigest = strings.digest(r);
      const paging = { pageSize: r.chance(0.5) ? r.int(10) : -r.int(2 ** 31), pageToken: r.chance(0.6) ? "" : strings.word(r) };
      return request(CAS.getTree, instanceName, [{ instanceName, rootDigest, ...paging }], wrong || !validDigest(rootDigest));
    }
    case 7: {
      const actionDigest = strings.digest(r);
      return request(AC.getActionResult, instanceName, [{ instanceName, actionDigest }], wrong || !validDigest(actionDigest));
    }
    case 8: {
      const actionDigest = strings.digest(r);
      const emptyBlob = { hash: sha256Hex(new Uint8Array()), sizeBytes: 0n };
      const outputFiles = Array.from({ length: r.int(3) }, () => ({ path: strings.word(r), digest: r.chance(0.5) ? emptyBlob : strings.digest(r) }));
      const init = { instanceName, actionDigest, actionResult: { exitCode: r.int(256), outputFiles } };
      const allowed = flags.actionCacheUpdate;
      return request(AC.updateActionResult, instanceName, [init], !allowed || wrong || !validDigest(actionDigest), {
        codes: allowed ? SERVED : [S.PERMISSION_DENIED],
      });
    }
    default:
      return request(remote.Capabilities.method.getCapabilities, instanceName, [{ instanceName }], wrong);
  }
}

const TABLE_PATHS = METHOD_TABLE.map((rule) => `/${rule.service}/${rule.method}`);
const allowedPath = (path: string, flags: PolicyFlags) =>
  METHOD_TABLE.some(
    (rule) => `/${rule.service}/${rule.method}` === path && (rule.decision === "allow" || (rule.decision === "flag" && flags.actionCacheUpdate)),
  );
const SHAPE_NAMES: readonly Shape[] = ["unary", "server_streaming", "client_streaming", "bidi_streaming"];

/** The next input: structured, random bodies for a table method, or a path the table does not hold. */
export function generate(r: Rng, strings: HostileStrings, served: string, flags: PolicyFlags): Input {
  const kind = r.next();
  if (kind < 0.6) return structured(r, strings, served, flags);
  if (kind < 0.85) {
    const path = r.pick(TABLE_PATHS);
    const shape = SHAPES[path.slice(1)] as Shape;
    const model = structured(r, strings, served, flags).bodies[0] ?? new Uint8Array();
    const streams = shape === "client_streaming" || shape === "bidi_streaming";
    const bodies = Array.from({ length: streams ? 1 + r.int(3) : 1 }, () => garble(r, model));
    const allowed = allowedPath(path, flags);
    const codes = allowed ? SERVED : [S.PERMISSION_DENIED];
    return { label: `random bodies for ${path}`, garbled: true, path, shape, bodies, codes, mustFail: !allowed };
  }
  let path = unknownPath(r, TABLE_PATHS);
  while (TABLE_PATHS.includes(path)) path = unknownPath(r, TABLE_PATHS);
  const bodies = [r.bytes(r.length(1000))];
  const codes = [S.UNIMPLEMENTED, S.PERMISSION_DENIED];
  return { label: `unknown ${path.slice(0, 80)}`, path, shape: r.pick(SHAPE_NAMES), bodies, codes, mustFail: true };
}
