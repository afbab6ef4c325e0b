// Builds minimal ELF files for tests: a header and one program header, no code.

/** A minimal ELF file of `bits` and byte order whose one program header (of `type`) points at `path`. */
export function elf(bits: 32 | 64, little: boolean, type: number, path: string): Buffer {
  const headerSize = bits === 64 ? 64 : 52;
  const entrySize = bits === 64 ? 56 : 32;
  const file = Buffer.alloc(headerSize + entrySize + path.length + 1);
  file.writeUInt32BE(0x7f454c46, 0);
  file[4] = bits === 64 ? 2 : 1;
  file[5] = little ? 1 : 2;
  const u16 = (value: number, at: number) => (little ? file.writeUInt16LE(value, at) : file.writeUInt16BE(value, at));
  const u32 = (value: number, at: number) => (little ? file.writeUInt32LE(value, at) : file.writeUInt32BE(value, at));
  const word = (value: number, at: number) =>
    bits === 32 ? u32(value, at) : little ? file.writeBigUInt64LE(BigInt(value), at) : file.writeBigUInt64BE(BigInt(value), at);
  word(headerSize, bits === 64 ? 0x20 : 0x1c);
  u16(entrySize, bits === 64 ? 0x36 : 0x2a);
  u16(1, bits === 64 ? 0x38 : 0x2c);
  u32(type, headerSize);
  word(headerSize + entrySize, headerSize + (bits === 64 ? 0x08 : 0x04));
  word(path.length + 1, headerSize + (bits === 64 ? 0x20 : 0x10));
  file.write(path, headerSize + entrySize, "latin1");
  return file;
}
