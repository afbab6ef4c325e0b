// Writes a fetched tree to disk: directories, files with their executable bit, symlinks.
import { constants, createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { readBlobs } from "./batch-read.js";
import { planBatches } from "./batch-plan.js";
import { readBlob } from "./bytestream-read.js";
import { fromWire, type BlobDigest } from "./digest-text.js";
import { usageError } from "./exit-status.js";
import { createLimiter } from "./limit.js";
import type { Progress } from "./progress.js";
import type { ReapiClients } from "./reapi-clients.js";
import { writeAll } from "./write-all.js";
import type { FetchedTree } from "./tree-fetch.js";
import type { TransferLimits } from "./transfer-limits.js";

/** Where one file of the tree goes. */
interface Placement {
  readonly path: string;
  readonly executable: boolean;
}

const STREAMS_AT_ONCE = 2;

/**
 * Materialises `tree` at `destination`, which must not exist or be an empty directory (its
 * parents are created). Each distinct file content is fetched once (small ones in batches,
 * large ones streamed with ByteStream Read) and written to every place it appears; files are
 * created 0755 when executable and 0644 otherwise (less the umask), never through an existing
 * file or symlink. Returns how many files were written and the bytes of distinct contents fetched.
 */
export async function materialiseTree(
  clients: ReapiClients,
  limits: TransferLimits,
  tree: FetchedTree,
  destination: string,
  progress: Progress,
): Promise<{ files: number; bytes: number }> {
  await prepareDestination(destination);
  const placements = new Map<string, { digest: BlobDigest; places: Placement[] }>();
  await createDirectories(tree, tree.root, destination, placements);

  const contents = [...placements.values()];
  const bytes = contents.reduce((sum, content) => sum + content.digest.sizeBytes, 0);
  progress.addTotal(bytes);
  const plan = planBatches(contents, limits.maxBatchBytes);
  const byHash = new Map(contents.map((content) => [content.digest.hash, content.places]));
  await readBlobs(clients, limits, plan.batches.flat().map((content) => content.digest), async (digest, data) => {
    for (const place of byHash.get(digest.hash) ?? []) await writeFile(place.path, data, { flag: "wx", mode: modeOf(place) });
    progress.add(digest.sizeBytes);
  });
  const slot = createLimiter(STREAMS_AT_ONCE);
  await Promise.all(plan.streamed.map((content) => slot(() => streamToPlaces(clients, content.digest, content.places, progress))));
  return { files: contents.reduce((sum, content) => sum + content.places.length, 0), bytes };
}

async function prepareDestination(destination: string): Promise<void> {
  await mkdir(destination, { recursive: true });
  if ((await readdir(destination)).length > 0) throw usageError(`${destination} is not empty: --tree writes into a new or empty directory`);
}

/** Creates the directories and symlinks below `digest` at `path`, and records where files go. */
async function createDirectories(
  tree: FetchedTree,
  digest: BlobDigest,
  path: string,
  placements: Map<string, { digest: BlobDigest; places: Placement[] }>,
): Promise<void> {
  const directory = tree.directories.get(digest.hash);
  if (directory === undefined) throw new Error(`Directory ${digest.hash} was not fetched`);
  for (const file of directory.files) {
    const content = fromWire(file.digest, file.name);
    const entry = placements.get(content.hash) ?? { digest: content, places: [] };
    entry.places.push({ path: join(path, file.name), executable: file.isExecutable });
    placements.set(content.hash, entry);
  }
  for (const link of directory.symlinks) await symlink(link.target, join(path, link.name));
  for (const child of directory.directories) {
    const childPath = join(path, child.name);
    await mkdir(childPath);
    await createDirectories(tree, fromWire(child.digest, child.name), childPath, placements);
  }
}

/** Streams one large blob into its first place and copies it to the others. */
async function streamToPlaces(clients: ReapiClients, digest: BlobDigest, places: readonly Placement[], progress: Progress): Promise<void> {
  const [first, ...others] = places;
  if (first === undefined) return;
  const handle = await open(first.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, modeOf(first));
  try {
    await readBlob(clients, digest, async (piece) => {
      await writeAll(handle, piece);
      progress.add(piece.byteLength);
    });
  } catch (error) {
    await handle.close();
    await rm(first.path, { force: true });
    throw error;
  }
  await handle.close();
  for (const place of others) {
    await pipeline(createReadStream(first.path), createWriteStream(place.path, { flags: "wx", mode: modeOf(place) }));
  }
}

function modeOf(place: Placement): number {
  return place.executable ? 0o755 : 0o644;
}
