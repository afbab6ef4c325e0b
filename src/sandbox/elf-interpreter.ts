// Reads the program interpreter (dynamic loader) an ELF executable names, to check before running it that the loader exists.
import { closeSync, openSync, readSync } from "node:fs";

/** ELF header fields, by class: where the program header table is and how its entries look. */
const LAYOUT = {
  32: { phoff: 0x1c, phentsize: 0x2a, phnum: 0x2c, pOffset: 0x04, pFilesz: 0x10, word: 4 },
  64: { phoff: 0x20, phentsize: 0x36, phnum: 0x38, pOffset: 0x08, pFilesz: 0x20, word: 8 },
} as const;
/** The program header type that names the interpreter. */
const PT_INTERP = 3;
/** Limits on what is read: a real table and path are far smaller. */
const MAX_TABLE_BYTES = 64 * 1024;
const MAX_PATH_BYTES = 4096;

/**
 * The interpreter (e.g. `/lib64/ld-linux-x86-64.so.2`) named by the PT_INTERP program header of
 * the ELF file `file` (a host path); undefined for a static executable, a file that is not ELF,
 * or one that cannot be read. A few small reads.
 */
export function elfInterpreter(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const read = (position: number, length: number): Buffer => {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
    };
    const header = read(0, 64);
    if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const layout = header[4] === 1 ? LAYOUT[32] : header[4] === 2 ? LAYOUT[64] : undefined;
    const little = header[5] === 1;
    if (layout === undefined || header.length < layout.phnum + 2) return undefined;
    const half = (buffer: Buffer, at: number): number => (little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at));
    const word = (buffer: Buffer, at: number): number => {
      if (layout.word === 4) return little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
      return Number(little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at));
    };
    const entrySize = half(header, layout.phentsize);
    const count = half(header, layout.phnum);
    if (entrySize < layout.pFilesz + layout.word || entrySize * count > MAX_TABLE_BYTES) return undefined;
    const table = read(word(header, layout.phoff), entrySize * count);
    for (let at = 0; at + entrySize <= table.length; at += entrySize) {
      const type = little ? table.readUInt32LE(at) : table.readUInt32BE(at);
      if (type !== PT_INTERP) continue;
      const size = Math.min(word(table, at + layout.pFilesz), MAX_PATH_BYTES);
      const path = read(word(table, at + layout.pOffset), size).toString("latin1").replace(/\0.*$/s, "");
      return path === "" ? undefined : path;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
