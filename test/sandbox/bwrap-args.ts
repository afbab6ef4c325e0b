// Tests for src/sandbox/bwrap-args.ts: the exact bubblewrap command line, in order.
import t from "tap";
import { buildBwrapArgs, type SandboxSpec } from "../../src/sandbox/bwrap-args.js";

const BASE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run"];

t.test("exact argument lists", async (t) => {
  const cases: Array<{ name: string; spec: SandboxSpec; expected: string[] }> = [
    {
      name: "cwd bound after the tmpfs mounts, no status fd",
      spec: { cwd: "/home/u/src", socketHostPath: "/tmp/x/s.sock", socketSandboxPath: "/run/reapi.sock", command: ["make", "-j4"] },
      expected: [
        ...BASE,
        "--bind", "/home/u/src", "/home/u/src",
        "--bind", "/tmp/x/s.sock", "/run/reapi.sock",
        "--unshare-all",
        "--die-with-parent",
        "--chdir", "/home/u/src",
        "--", "make", "-j4",
      ],
    },
    {
      name: "status fd given",
      spec: { cwd: "/w", socketHostPath: "/h.sock", socketSandboxPath: "/tmp/s.sock", command: ["sh", "-c", "echo hi"], statusFd: 3 },
      expected: [
        ...BASE,
        "--bind", "/w", "/w",
        "--bind", "/h.sock", "/tmp/s.sock",
        "--unshare-all",
        "--die-with-parent",
        "--chdir", "/w",
        "--json-status-fd", "3",
        "--", "sh", "-c", "echo hi",
      ],
    },
    {
      name: "status fd 0 is still given",
      spec: { cwd: "/w", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["true"], statusFd: 0 },
      expected: [...BASE, "--bind", "/w", "/w", "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--chdir", "/w", "--json-status-fd", "0", "--", "true"],
    },
    {
      name: "cwd / is not bound writable",
      spec: { cwd: "/", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["ls"] },
      expected: [...BASE, "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--chdir", "/", "--", "ls"],
    },
    {
      name: "a command that looks like an option stays after --",
      spec: { cwd: "/w", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["--help", "--", "-x"] },
      expected: [...BASE, "--bind", "/w", "/w", "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--chdir", "/w", "--", "--help", "--", "-x"],
    },
    {
      name: "paths with spaces are single arguments",
      spec: { cwd: "/a b", socketHostPath: "/h s", socketSandboxPath: "/run/s s", command: ["my cmd"] },
      expected: [...BASE, "--bind", "/a b", "/a b", "--bind", "/h s", "/run/s s", "--unshare-all", "--die-with-parent", "--chdir", "/a b", "--", "my cmd"],
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.strictSame(buildBwrapArgs(c.spec), c.expected);
    });
  }
});

t.test("ordering invariants", async (t) => {
  const args = buildBwrapArgs({ cwd: "/tmp/work", socketHostPath: "/run/host.sock", socketSandboxPath: "/run/s.sock", command: ["cc"], statusFd: 7 });
  const at = (flag: string, value: string): number => args.findIndex((a, i) => a === flag && args[i + 1] === value);
  const cwdBind = at("--bind", "/tmp/work");
  const socketBind = at("--bind", "/run/host.sock");
  const dash = args.indexOf("--");
  t.ok(at("--ro-bind", "/") === 0, "root first");
  t.ok(at("--tmpfs", "/tmp") < cwdBind, "tmpfs /tmp before the cwd bind (a cwd under /tmp survives)");
  t.ok(at("--tmpfs", "/run") < socketBind, "tmpfs /run before the socket bind");
  t.ok(cwdBind >= 0 && cwdBind < socketBind, "cwd bind before the socket bind");
  t.ok(args.indexOf("--unshare-all") > socketBind && args.indexOf("--unshare-all") < dash);
  t.ok(args.indexOf("--die-with-parent") < dash);
  t.ok(at("--json-status-fd", "7") > 0 && at("--json-status-fd", "7") < dash);
  t.strictSame(args.slice(dash), ["--", "cc"]);
  t.equal(args.filter((a) => a === "--").length, 1);
  t.notOk(args.includes("--share-net"), "network stays unshared");
});

t.test("the spec's command array is not modified", async (t) => {
  const command = Object.freeze(["a", "b"]);
  t.strictSame(buildBwrapArgs({ cwd: "/", socketHostPath: "/h", socketSandboxPath: "/run/s", command }).slice(-3), ["--", "a", "b"]);
  t.strictSame(command, ["a", "b"]);
});
