// Reads sizes such as 512, 64K, 10G (binary multiples) for options that take a size.
import { ToolError } from "../run/tool-error.js";

const MULTIPLIERS: Readonly<Record<string, number>> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** The size in bytes; throws a ToolError naming `flag` and `text` when it is not a size. */
export function parseSize(flag: string, text: string): number {
  const match = /^([0-9]+)([KMGT]?)(i?B)?$/i.exec(text.trim());
  const multiplier = match ? MULTIPLIERS[(match[2] ?? "").toUpperCase()] : undefined;
  const bytes = match && multiplier !== undefined ? Number(match[1]) * multiplier : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new ToolError(`${flag} takes a size such as 4096, 64K, 512M or 10G, got ${JSON.stringify(text)}`);
  }
  return bytes;
}
