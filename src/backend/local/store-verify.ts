// Re-hashes every blob and parses every action-cache entry, removing those that are damaged.
import { readFile, lstat, rm } from "node:fs/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { ActionResultSchema } from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { unlessGone } from "./errno.js";
import { hashFile } from "./hash-file.js";
import { referencedBlobs } from "./referenced-blobs.js";
import { scanActionFiles, scanBlobFiles, type StoreFile } from "./store-scan.js";
import type { StoreLayout } from "./store-layout.js";

/** A damaged file that verification removed. */
export interface Damage {
  readonly path: string;
  readonly why: string;
}

/** What `store verify` found. */
export interface VerifyReport {
  readonly blobsChecked: number;
  readonly bytesChecked: number;
  readonly actionResultsChecked: number;
  /** Blobs whose content does not hash to their name, and files in cas/ that are not blobs. */
  readonly badBlobs: readonly Damage[];
  /** Action-cache entries that are misnamed or do not parse as an ActionResult. */
  readonly badActionResults: readonly Damage[];
}

const ACTION_NAME = /^([0-9a-f]{2})[0-9a-f]{62}-(0|[1-9][0-9]{0,15})$/;

/**
 * Streams every blob through SHA-256 and compares it with its name, and parses every action-cache
 * entry; removes what fails, telling `onDamage` as it goes. A file replaced by a concurrent writer
 * while it was checked is left alone (writers only ever put whole, verified files in place).
 */
export async function verifyStore(layout: StoreLayout, onDamage: (damage: Damage) => void = () => undefined): Promise<VerifyReport> {
  const badBlobs: Damage[] = [];
  const badActionResults: Damage[] = [];
  let blobsChecked = 0;
  let bytesChecked = 0;
  let actionResultsChecked = 0;
  const report = async (list: Damage[], file: StoreFile, ino: number | undefined, why: string): Promise<void> => {
    const now = await unlessGone(lstat(file.path));
    if (now === undefined || (ino !== undefined && now.ino !== ino)) return;
    await rm(file.path, { force: true });
    const damage = { path: file.path, why };
    list.push(damage);
    onDamage(damage);
  };

  for await (const file of scanBlobFiles(layout)) {
    if (file.hash === undefined) {
      await report(badBlobs, file, undefined, "not a blob name, or in the wrong directory");
      continue;
    }
    const before = await unlessGone(lstat(file.path));
    const hashed = await unlessGone(hashFile(file.path));
    if (before === undefined || hashed === undefined) continue;
    blobsChecked++;
    bytesChecked += hashed.size;
    if (hashed.sha256 !== file.hash) await report(badBlobs, file, before.ino, `content hashes to ${hashed.sha256}`);
  }

  for await (const file of scanActionFiles(layout)) {
    const match = ACTION_NAME.exec(file.name);
    if (match === null || !file.path.endsWith(`/${match[1]}/${file.name}`)) {
      await report(badActionResults, file, undefined, "not an action-cache entry name, or in the wrong directory");
      continue;
    }
    const before = await unlessGone(lstat(file.path));
    const bytes = await unlessGone(readFile(file.path));
    if (before === undefined || bytes === undefined) continue;
    actionResultsChecked++;
    const why = actionResultProblem(bytes);
    if (why !== undefined) await report(badActionResults, file, before.ino, why);
  }
  return { blobsChecked, bytesChecked, actionResultsChecked, badBlobs, badActionResults };
}

function actionResultProblem(bytes: Uint8Array): string | undefined {
  try {
    referencedBlobs(fromBinary(ActionResultSchema, bytes));
    return undefined;
  } catch (error) {
    return `not a valid ActionResult: ${error instanceof Error ? error.message : String(error)}`;
  }
}
