// Seeded generators of hostile REAPI inputs: resource names, digests, instance names, sizes and raw bodies.
import { createHash } from "node:crypto";

/** A small seeded PRNG (mulberry32): the same seed gives the same inputs. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let z = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** A length that is usually small and sometimes large. */
  length(max: number): number {
    return this.chance(0.8) ? this.int(64) : this.int(max);
  }
}

/** `bytes` cut into parts at `rng`'s choice of places, as HTTP/2 DATA chunks might deliver them. */
export function cutIntoParts(bytes: Buffer, rng: Rng): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    const size = 1 + rng.int(rng.chance(0.3) ? 8 : 4096);
    parts.push(bytes.subarray(at, at + size));
    at += size;
  }
  return parts;
}

export const sha256Hex = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const hex = (r: Rng, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[r.int(16)]).join("");

/** The inputs that name paths: absolute and traversing ones point at `sentinel`, which must never appear. */
export class HostileStrings {
  readonly words: readonly string[];
  constructor(readonly sentinel: string) {
    const name = sentinel.split("/").pop() ?? "sentinel";
    this.words = [
      "", ".", "..", "../", "../..", "/", "//", "\\", "..\\..", "%2e%2e", "%2F", "~", "$HOME", "*", "?", "#",
      "\u0000", "\n", "\r\n", "\t", "\u007f", "\u0085", "\u2028", "\u202e", "\ufeff", "\ud800", "🙂", "é", "ｂｌｏｂｓ", "CON", "nul",
      "blobs", "uploads", "compressed-blobs", "actions", "actionResults", "operations", "capabilities",
      "sha256", "SHA256", "sha1", "blake3", "sha256tree", "zstd", "deflate", "identity", "main", "other",
      "/etc/passwd", "/proc/self/environ", "/dev/zero", "/tmp", sentinel, `${sentinel}/x`, `../../../../../../..${sentinel}`,
      `./${name}`, `../${name}`, name, "a".repeat(256), "a".repeat(4097), "x/".repeat(3000),
    ];
  }

  word(r: Rng): string {
    return r.pick(this.words);
  }

  /** A string for an instance name: the served one, a near miss, or something hostile. */
  instance(r: Rng, served: string): string {
    if (r.chance(0.55)) return served;
    if (r.chance(0.3)) return r.pick([`${served}/`, `/${served}`, `${served}/..`, `./${served}`, served.toUpperCase(), `${served}\u0000`]);
    return Array.from({ length: 1 + r.int(3) }, () => this.word(r)).join(r.pick(["/", "", "//"]));
  }

  /** A hash: valid-looking, almost valid, or hostile. */
  hash(r: Rng): string {
    const good = hex(r, 64);
    switch (r.int(12)) {
      case 0:
      case 1:
      case 2:
        return good;
      case 3:
        return good.toUpperCase();
      case 4:
        return good.slice(r.int(64));
      case 5:
        return good + hex(r, 1 + r.int(64));
      case 6:
        return `${good.slice(0, 30)}${this.word(r)}${good.slice(30)}`;
      case 7:
        return `../../${good}`;
      case 8:
        return r.pick(["0".repeat(64), "g".repeat(64), " ".repeat(64), "٠".repeat(64), `${good.slice(0, 63)}\n`]);
      default:
        return this.word(r);
    }
  }

  /** A size as it appears in resource names. */
  sizeText(r: Rng): string {
    return r.chance(0.4)
      ? String(r.int(5000))
      : r.pick([
          "-1", "-0", "00", "01", "+1", " 1", "1 ", "1e3", "0x10", "NaN", "Infinity", "", "١٢",
          "9007199254740991", "9007199254740992", "18446744073709551616", "9".repeat(40), this.word(r),
        ]);
  }

  /** A size as it appears in Digest messages (int64). */
  sizeValue(r: Rng): bigint {
    return r.chance(0.5)
      ? BigInt(r.int(5000))
      : r.pick([-1n, -(2n ** 63n), 2n ** 63n - 1n, 9007199254740991n, 9007199254740992n, 2n ** 32n, BigInt(-r.int(1000))]);
  }

  digest(r: Rng): { hash: string; sizeBytes: bigint } {
    return { hash: this.hash(r), sizeBytes: this.sizeValue(r) };
  }

  /** A ByteStream resource name: mostly the right shape with hostile parts, sometimes anything at all. */
  resourceName(r: Rng, kind: "read" | "write", served: string): string {
    if (r.chance(0.1)) return this.word(r);
    const segments: string[] = [];
    const instance = this.instance(r, served);
    if (instance !== "") segments.push(instance);
    if (kind === "write" || r.chance(0.05)) {
      segments.push("uploads", r.chance(0.7) ? `u-${hex(r, 8)}` : this.word(r));
    }
    if (r.chance(0.8)) segments.push("blobs");
    else segments.push("compressed-blobs", r.pick(["zstd", "identity", "deflate", this.word(r)]));
    if (r.chance(0.2)) segments.push(r.pick(["sha256", "sha1", "blake3", "SHA256", this.word(r)]));
    segments.push(this.hash(r), this.sizeText(r));
    if (r.chance(0.1)) segments.push(this.word(r));
    let name = segments.join("/");
    for (let mutations = r.int(3); mutations > 0; mutations--) {
      switch (r.int(7)) {
        case 0:
          name = `/${name}`;
          break;
        case 1:
          name = name.replace("/", r.pick(["//", "\\", "/./", "/../"]));
          break;
        case 2: {
          const at = r.int(name.length + 1);
          name = `${name.slice(0, at)}${this.word(r)}${name.slice(at)}`;
          break;
        }
        case 3:
          name = name.slice(0, r.int(name.length + 1));
          break;
        case 4:
          name = name.repeat(2 + r.int(200));
          break;
        case 5:
          name = `${name}/`;
          break;
        default:
          name = name.replace(/[a-z]/, (c) => c.toUpperCase());
      }
    }
    return name;
  }
}

/** Random bytes, or a valid body with bytes flipped, cut short or spliced in. */
export function garble(r: Rng, valid: Uint8Array): Buffer {
  if (r.chance(0.4) || valid.byteLength === 0) return r.bytes(r.length(70_000));
  const out = Buffer.from(valid);
  switch (r.int(3)) {
    case 0:
      for (let flips = 1 + r.int(4); flips > 0; flips--) out[r.int(out.length)] = r.int(256);
      return out;
    case 1:
      return out.subarray(0, r.int(out.length));
    default: {
      const at = r.int(out.length + 1);
      return Buffer.concat([out.subarray(0, at), r.bytes(1 + r.int(16)), out.subarray(at)]);
    }
  }
}

/** A gRPC method path that the table does not hold, in printable ASCII (what a client can send). */
export function unknownPath(r: Rng, tablePaths: readonly string[]): string {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
  const ident = () => Array.from({ length: 1 + r.int(12) }, () => letters[r.int(letters.length)]).join("");
  const known = r.pick(tablePaths);
  const [service = "", method = ""] = known.slice(1).split("/");
  return r.pick([
    `/${service}/${ident()}`,
    `/${service}/${method}${ident()}`,
    `/${service}/${method.toLowerCase()}`,
    `/${ident()}.${ident()}/${method}`,
    `/${ident()}/${ident()}`,
    `${known}/`,
    `${known}/..`,
    `/..${known}`,
    `/${service}/../${ident()}/${method}`,
    `/%2e%2e${known}`,
    `//${service}/${method}`,
    `/${service}`,
    "/",
    `/${"a".repeat(5000)}/b`,
    `/${service}.${ident()}/${method}`,
  ]);
}
