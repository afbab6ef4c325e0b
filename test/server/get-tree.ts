// Tests for src/server/get-tree.ts over a real socket: breadth-first order, paging, missing parts, message sizes.
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { DirectorySchema, type Directory } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { BlobDigest } from "../../src/policy/digest.js";
import { digestOf, startStoreServer, wire, type StoreClients, type StoreServer } from "../helpers/store-server.js";

const signal = new AbortController().signal;
const codeOf = (work: Promise<unknown>): Promise<Code | string> =>
  work.then(() => "resolved", (error: unknown) => (error instanceof ConnectError ? error.code : String(error)));

/** Stores a Directory named by `label` (a file of that name) with `children`; returns its digest. */
async function putDirectory(served: StoreServer, label: string, children: BlobDigest[], filler = 0): Promise<BlobDigest> {
  const files = [{ name: label, digest: wire(digestOf(Buffer.from(label))) }];
  for (let i = 0; i < filler; i++) files.push({ name: `${label}-${String(i).padStart(4, "0")}-${"f".repeat(150)}`, digest: wire(digestOf(Buffer.from(label))) });
  const bytes = toBinary(DirectorySchema, create(DirectorySchema, {
    files,
    directories: children.map((digest, index) => ({ name: `d${index}`, digest: wire(digest) })),
  }));
  const digest = digestOf(bytes);
  await served.store.writeBlob(digest, [bytes], signal);
  return digest;
}

/** The first file name of each directory: its label. */
const labels = (directories: readonly Directory[]): string[] => directories.map((directory) => directory.files[0]?.name ?? "?");

async function getTree(clients: StoreClients, root: BlobDigest, pageSize = 0, pageToken = "") {
  const messages: Array<{ directories: Directory[]; nextPageToken: string }> = [];
  for await (const response of clients.cas.getTree({ rootDigest: wire(root), pageSize, pageToken })) messages.push(response);
  return { messages, directories: messages.flatMap((message) => message.directories), token: messages.at(-1)?.nextPageToken };
}

/** root -> a, b; a -> c, d; b -> d (shared), e; e -> f. */
async function sampleTree(served: StoreServer): Promise<BlobDigest> {
  const f = await putDirectory(served, "f", []);
  const e = await putDirectory(served, "e", [f]);
  const d = await putDirectory(served, "d", []);
  const c = await putDirectory(served, "c", []);
  const b = await putDirectory(served, "b", [d, e]);
  const a = await putDirectory(served, "a", [c, d]);
  return putDirectory(served, "root", [a, b]);
}

t.test("the whole tree, breadth first, each directory once", async (t) => {
  const served = await startStoreServer(t);
  const root = await sampleTree(served);
  const answer = await getTree(served.connect(), root);
  t.strictSame(labels(answer.directories), ["root", "a", "b", "c", "d", "e", "f"]);
  t.equal(answer.token, "", "no next page");
});

t.test("pages: page_size directories each, tokens that continue, the last token empty", async (t) => {
  const served = await startStoreServer(t);
  const root = await sampleTree(served);
  const clients = served.connect();
  for (const pageSize of [1, 2, 3, 6, 7, 8]) {
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await getTree(clients, root, pageSize, token);
      t.ok(page.directories.length <= pageSize, `page ${pages} of size ${pageSize} holds at most ${pageSize}`);
      seen.push(...labels(page.directories));
      token = page.token ?? "";
      pages++;
    } while (token !== "" && pages < 20);
    t.strictSame(seen, ["root", "a", "b", "c", "d", "e", "f"], `page size ${pageSize}: every directory once, in order`);
    t.equal(pages, Math.max(1, Math.ceil(7 / pageSize)), `page size ${pageSize}: ${pages} pages`);
  }
  const past = await getTree(clients, root, 2, "100");
  t.strictSame([past.directories.length, past.token], [0, ""], "a token past the end: an empty last page");
});

t.test("refusals: missing root, a root that is no Directory, bad token, negative page size", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const root = await sampleTree(served);
  t.equal(await codeOf(getTree(clients, digestOf(Buffer.from("no such directory")))), Code.NotFound);
  const junk = Buffer.from([0xff, 0xff, 0xff]);
  await served.store.writeBlob(digestOf(junk), [junk], signal);
  t.equal(await codeOf(getTree(clients, digestOf(junk))), Code.InvalidArgument);
  t.equal(await codeOf(getTree(clients, root, 2, "abc")), Code.InvalidArgument);
  t.equal(await codeOf(getTree(clients, root, 2, "-1")), Code.InvalidArgument);
  t.equal(await codeOf(getTree(clients, root, -1)), Code.InvalidArgument);
});

t.test("missing directories below the root are left out with what is below them", async (t) => {
  const served = await startStoreServer(t);
  const f = await putDirectory(served, "f", []);
  const lostBytes = toBinary(DirectorySchema, create(DirectorySchema, { files: [{ name: "lost", digest: wire(digestOf(Buffer.from("x"))) }], directories: [{ name: "f", digest: wire(f) }] }));
  const root = await putDirectory(served, "root", [digestOf(lostBytes), f]);
  const answer = await getTree(served.connect(), root);
  t.strictSame(labels(answer.directories), ["root", "f"]);
});

t.test("large trees come in messages well under 4 MiB", async (t) => {
  const served = await startStoreServer(t);
  const leaves: BlobDigest[] = [];
  for (let i = 0; i < 300; i++) leaves.push(await putDirectory(served, `leaf${i}`, [], 100));
  const root = await putDirectory(served, "root", leaves);
  const answer = await getTree(served.connect(), root);
  t.equal(answer.directories.length, 301);
  const sizes = answer.messages.map((message) => message.directories.reduce((sum, d) => sum + toBinary(DirectorySchema, d).byteLength, 0));
  t.ok(answer.messages.length > 2, `${answer.messages.length} messages`);
  t.ok(Math.max(...sizes) <= 2 * 1024 * 1024, `largest message ${Math.max(...sizes)} bytes`);
  const paged = await getTree(served.connect(), root, 250);
  t.strictSame([paged.directories.length, paged.token], [250, "250"], "a page of 250, split into messages too");
});
