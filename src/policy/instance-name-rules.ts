// What makes a string usable as a REAPI instance name: pure rules, shared by the resource-name parser and the option checks.

/** Path segments that may not appear in an instance name (REAPI reserves them). */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set([
  "blobs",
  "uploads",
  "actions",
  "actionResults",
  "operations",
  "capabilities",
  "compressed-blobs",
]);

/**
 * The longest instance name accepted. The longest tail a ByteStream name adds after it,
 * `/uploads/{id}/compressed-blobs/{c}/sha256/{hash}/{size}` with a 128-character id, is under
 * 300 characters, so every resource name built on it stays within the 4096 the parser takes.
 */
export const MAX_INSTANCE_NAME_LENGTH = 3072;

/** Why `segment` cannot be one `/`-separated segment of an instance name, or undefined when it can. */
export function instanceSegmentProblem(segment: string): string | undefined {
  if (segment === "" || segment === "." || segment === "..") return "has an empty, '.' or '..' segment";
  if (RESERVED_SEGMENTS.has(segment)) return `uses the reserved word ${JSON.stringify(segment)}`;
  return undefined;
}

/**
 * Why `name` cannot be an instance name, as a phrase to follow "the instance name" (e.g.
 * `uses the reserved word "blobs"`), or undefined when it can. The empty name is the default
 * instance and passes. A name that fails here would make every ByteStream resource name built on
 * it unparseable, so clients could never read or write a blob through it.
 */
export function instanceNameProblem(name: string): string | undefined {
  if (name === "") return undefined;
  if (name.length > MAX_INSTANCE_NAME_LENGTH) return `is longer than ${MAX_INSTANCE_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return "holds control characters or backslashes";
  if (name.startsWith("/") || name.endsWith("/")) return "starts or ends with '/'";
  for (const segment of name.split("/")) {
    const problem = instanceSegmentProblem(segment);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * The one-line message for an option or variable (`source`, e.g. "--instance") whose value
 * `name` is not a usable instance name, or undefined when it is.
 */
export function instanceNameMessage(source: string, name: string): string | undefined {
  const problem = instanceNameProblem(name);
  if (problem === undefined) return undefined;
  return `${source} ${JSON.stringify(shownInstanceName(name))}: the instance name ${problem}`;
}

/** `name` as messages show it: cut to 120 characters, the last three "...", when longer. */
export function shownInstanceName(name: string): string {
  return name.length > 120 ? `${name.slice(0, 117)}...` : name;
}
