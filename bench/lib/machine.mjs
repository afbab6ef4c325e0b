// What the figures were taken on: machine, kernel, tool versions, commit, load.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem, release } from "node:os";

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options }).trim();
  } catch (error) {
    return `(${command} failed: ${String(error.message).split("\n")[0]})`;
  }
}

/** Versions and machine facts, as label → text. */
export function describeMachine({ root, bin, repo }) {
  const commit = run("git", ["-C", repo, "rev-parse", "--short=12", "HEAD"]);
  const dirty = run("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no", "--", "src"]) !== "";
  const buildbox = run("dpkg-query", [`--admindir=${root}/var/lib/dpkg`, "-W", "-f=${Version}", "buildbox"]);
  return {
    date: new Date().toISOString().replace(/\.[0-9]+Z$/, "Z"),
    cpu: cpus()[0]?.model ?? "unknown",
    nproc: run("nproc", []),
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: release(),
    node: process.version,
    bwrap: run("bwrap", ["--version"]),
    buildbox: `buildbox ${buildbox} (Debian sid: recc, buildbox-casd, casupload, casdownload)`,
    socat: run("socat", ["-V"]).split("\n").find((line) => /socat version/.test(line))?.replace(/^socat by.*$/, "").trim() ?? "unknown",
    project: `bst-cas-run ${run(process.execPath, [bin, "--version"])} at ${commit}${dirty ? " with uncommitted changes in src/" : ""}`,
    loadStart: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
}

/** The 1, 5 and 15 minute load averages now. */
export function loadNow() {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}
