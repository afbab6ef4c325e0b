// An interactive shell through a real terminal (tmux): job control, Ctrl-C to the shell, exit status.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import t from "tap";
import { BIN } from "../helpers/run-tool.js";

/** Polls until `predicate` holds or `timeoutMs` passes. */
async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) {
    if (await predicate()) return true;
  }
  return false;
}

t.test("bash on a terminal: a command runs, Ctrl-C reaches the shell, exit status comes back", async (t) => {
  const dir = t.testdir({ cache: {} });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  const session = `bcr-${process.pid}`;
  t.teardown(async () => {
    await execa("tmux", ["kill-session", "-t", session], { reject: false });
    rmSync(runtime, { recursive: true, force: true });
  });
  const statusFile = join(dir, "status");
  const launch = [
    `env -u NODE_OPTIONS XDG_RUNTIME_DIR=${runtime} BST_CAS_RUN_CACHE_DIR=${join(dir, "cache")}`,
    `${process.execPath} ${BIN} -- bash --norc --noprofile -i;`,
    `echo "tool-exit=$?" > ${statusFile}`,
  ].join(" ");
  await execa("tmux", ["new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", dir, launch]);
  const type = (keys: string[]) => execa("tmux", ["send-keys", "-t", session, ...keys]);
  const screen = async () => (await execa("tmux", ["capture-pane", "-p", "-t", session], { reject: false })).stdout;

  t.ok(await waitFor(async () => /[$#] ?$/m.test(await screen()), 10_000), "a prompt appears");
  await type(["sleep 300", "Enter"]);
  await sleep(500);
  await type(["C-c"]);
  await type(['echo "alive $RECC_SERVER"', "Enter"]);
  t.ok(await waitFor(async () => /^alive unix:\/run\/reapi\.sock$/m.test(await screen()), 10_000), "Ctrl-C stopped sleep, not the shell or the tool");
  t.notMatch(await screen(), /no job control/, "bash has job control");
  await type(["exit 4", "Enter"]);
  t.ok(await waitFor(async () => (await readFile(statusFile, "utf8").catch(() => "")).includes("tool-exit"), 10_000), "the tool ended");
  t.equal((await readFile(statusFile, "utf8")).trim(), "tool-exit=4", "the shell's exit status is the tool's");
});
