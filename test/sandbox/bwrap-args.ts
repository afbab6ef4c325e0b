// Tests for src/sandbox/bwrap-args.ts: the exact bubblewrap command line, in order.
import t from "tap";
import { buildBwrapArgs, DEFAULT_SANDBOX_SHAPE, orderedMounts, sandboxWorkingDir, type Mount, type SandboxSpec } from "../../src/sandbox/bwrap-args.js";

const BASE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run"];

t.test("exact argument lists", async (t) => {
  const cases: Array<{ name: string; spec: SandboxSpec; expected: string[] }> = [
    {
      name: "cwd bound after the tmpfs mounts, no status fd",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/home/u/src", socketHostPath: "/tmp/x/s.sock", socketSandboxPath: "/run/reapi.sock", command: ["make", "-j4"] },
      expected: [
        ...BASE,
        "--bind", "/home/u/src", "/home/u/src",
        "--bind", "/tmp/x/s.sock", "/run/reapi.sock",
        "--unshare-all",
        "--die-with-parent", "--new-session",
        "--chdir", "/home/u/src",
        "--", "make", "-j4",
      ],
    },
    {
      name: "status fd given",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/w", socketHostPath: "/h.sock", socketSandboxPath: "/tmp/s.sock", command: ["sh", "-c", "echo hi"], statusFd: 3 },
      expected: [
        ...BASE,
        "--bind", "/w", "/w",
        "--bind", "/h.sock", "/tmp/s.sock",
        "--unshare-all",
        "--die-with-parent", "--new-session",
        "--chdir", "/w",
        "--json-status-fd", "3",
        "--", "sh", "-c", "echo hi",
      ],
    },
    {
      name: "status fd 0 is still given",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/w", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["true"], statusFd: 0 },
      expected: [...BASE, "--bind", "/w", "/w", "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/w", "--json-status-fd", "0", "--", "true"],
    },
    {
      name: "cwd / is not bound writable",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["ls"] },
      expected: [...BASE, "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/", "--", "ls"],
    },
    {
      name: "a command that looks like an option stays after --",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/w", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["--help", "--", "-x"] },
      expected: [...BASE, "--bind", "/w", "/w", "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/w", "--", "--help", "--", "-x"],
    },
    {
      name: "paths with spaces are single arguments",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/a b", socketHostPath: "/h s", socketSandboxPath: "/run/s s", command: ["my cmd"] },
      expected: [...BASE, "--bind", "/a b", "/a b", "--bind", "/h s", "/run/s s", "--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/a b", "--", "my cmd"],
    },
    {
      name: "a terminal of its own (--interactive): no new session",
      spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/w", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["bash"], statusFd: 3, ownTerminal: true },
      expected: [...BASE, "--bind", "/w", "/w", "--bind", "/h", "/run/s", "--unshare-all", "--die-with-parent", "--chdir", "/w", "--json-status-fd", "3", "--", "bash"],
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.strictSame(buildBwrapArgs(c.spec), c.expected);
    });
  }
});

t.test("ordering invariants", async (t) => {
  const args = buildBwrapArgs({ ...DEFAULT_SANDBOX_SHAPE, cwd: "/tmp/work", socketHostPath: "/run/host.sock", socketSandboxPath: "/run/s.sock", command: ["cc"], statusFd: 7 });
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
  t.strictSame(buildBwrapArgs({ ...DEFAULT_SANDBOX_SHAPE, cwd: "/", socketHostPath: "/h", socketSandboxPath: "/run/s", command }).slice(-3), ["--", "a", "b"]);
  t.strictSame(command, ["a", "b"]);
});

t.test("sandbox shape", async (t) => {
  const common = { ...DEFAULT_SANDBOX_SHAPE, cwd: "/home/u/src", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["cc"] };
  const SOCKET = ["--bind", "/h", "/run/s"];
  const CWD = ["--bind", "/home/u/src", "/home/u/src"];
  const END = ["--die-with-parent", "--new-session"];
  const cases: Array<{ name: string; spec: Partial<SandboxSpec>; expected: string[] }> = [
    {
      name: "--root: ROOT read-only as /, cwd not bound, chdir /",
      spec: { root: "/srv/sysroot" },
      expected: [
        "--ro-bind", "/srv/sysroot", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
        ...SOCKET, "--unshare-all", ...END, "--chdir", "/", "--", "cc",
      ],
    },
    {
      name: "--root with an explicit chdir",
      spec: { root: "/srv/sysroot", chdir: "/src" },
      expected: [
        "--ro-bind", "/srv/sysroot", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
        ...SOCKET, "--unshare-all", ...END, "--chdir", "/src", "--", "cc",
      ],
    },
    {
      name: "mounts in order, rw and ro, after the cwd bind and before the socket",
      spec: {
        mounts: [
          { source: "/data", destination: "/data", readOnly: false },
          { source: "/etc/ssl", destination: "/opt/ssl", readOnly: true },
          { source: "/data/sub", destination: "/data/sub", readOnly: true },
        ],
      },
      expected: [
        ...BASE, ...CWD,
        "--bind", "/data", "/data",
        "--ro-bind", "/etc/ssl", "/opt/ssl",
        "--ro-bind", "/data/sub", "/data/sub",
        ...SOCKET, "--unshare-all", ...END, "--chdir", "/home/u/src", "--", "cc",
      ],
    },
    {
      name: "tmpfs after the mounts, in order",
      spec: { mounts: [{ source: "/a", destination: "/b", readOnly: false }], tmpfs: ["/var/tmp", "/b/cache"] },
      expected: [
        ...BASE, ...CWD, "--bind", "/a", "/b", "--tmpfs", "/var/tmp", "--tmpfs", "/b/cache",
        ...SOCKET, "--unshare-all", ...END, "--chdir", "/home/u/src", "--", "cc",
      ],
    },
    {
      name: "--share-net right after --unshare-all",
      spec: { shareNet: true },
      expected: [...BASE, ...CWD, ...SOCKET, "--unshare-all", "--share-net", ...END, "--chdir", "/home/u/src", "--", "cc"],
    },
    {
      name: "uid alone: --unshare-user then --uid",
      spec: { uid: 0 },
      expected: [...BASE, ...CWD, ...SOCKET, "--unshare-all", "--unshare-user", "--uid", "0", ...END, "--chdir", "/home/u/src", "--", "cc"],
    },
    {
      name: "gid alone: --unshare-user then --gid",
      spec: { gid: 100 },
      expected: [...BASE, ...CWD, ...SOCKET, "--unshare-all", "--unshare-user", "--gid", "100", ...END, "--chdir", "/home/u/src", "--", "cc"],
    },
    {
      name: "uid and gid: one --unshare-user, uid before gid, after --share-net",
      spec: { uid: 1000, gid: 1001, shareNet: true },
      expected: [
        ...BASE, ...CWD, ...SOCKET, "--unshare-all", "--share-net", "--unshare-user", "--uid", "1000", "--gid", "1001",
        ...END, "--chdir", "/home/u/src", "--", "cc",
      ],
    },
    {
      name: "hostname",
      spec: { hostname: "builder" },
      expected: [...BASE, ...CWD, ...SOCKET, "--unshare-all", "--hostname", "builder", ...END, "--chdir", "/home/u/src", "--", "cc"],
    },
    {
      name: "explicit chdir with the host root (cwd still bound)",
      spec: { chdir: "/data" },
      expected: [...BASE, ...CWD, ...SOCKET, "--unshare-all", ...END, "--chdir", "/data", "--", "cc"],
    },
    {
      name: "everything together",
      spec: {
        root: "/r", mounts: [{ source: "/s", destination: "/d", readOnly: false }], tmpfs: ["/t"], shareNet: true,
        chdir: "/d", uid: 1, gid: 2, hostname: "h", statusFd: 4,
      },
      expected: [
        "--ro-bind", "/r", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
        "--bind", "/s", "/d", "--tmpfs", "/t", ...SOCKET,
        "--unshare-all", "--share-net", "--unshare-user", "--uid", "1", "--gid", "2", "--hostname", "h",
        ...END, "--chdir", "/d", "--json-status-fd", "4", "--", "cc",
      ],
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.strictSame(buildBwrapArgs({ ...common, ...c.spec }), c.expected);
    });
  }
});

t.test("sandboxWorkingDir", async (t) => {
  const cases: Array<{ name: string; spec: Parameters<typeof sandboxWorkingDir>[0]; expected: string }> = [
    { name: "host root: the cwd", spec: { root: "/", cwd: "/home/u" }, expected: "/home/u" },
    { name: "host root, cwd /", spec: { root: "/", cwd: "/" }, expected: "/" },
    { name: "--root: /", spec: { root: "/srv/r", cwd: "/home/u" }, expected: "/" },
    { name: "chdir wins with the host root", spec: { root: "/", cwd: "/home/u", chdir: "/x" }, expected: "/x" },
    { name: "chdir wins with --root", spec: { root: "/srv/r", cwd: "/home/u", chdir: "/src" }, expected: "/src" },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.equal(sandboxWorkingDir(c.spec), c.expected);
    });
  }
});

t.test("orderedMounts: parents before children, ties in the order given, binds before tmpfs", async (t) => {
  const m = (destination: string, readOnly = false): Mount => ({ source: `/host${destination}`, destination, readOnly });
  const shown = (shape: { mounts: Mount[]; tmpfs: string[] }): string[] =>
    orderedMounts(shape).map((e) => (e.kind === "bind" ? `${e.mount.readOnly ? "ro" : "rw"}:${e.mount.destination}` : `tmpfs:${e.destination}`));
  const cases: Array<[string, { mounts: Mount[]; tmpfs: string[] }, string[]]> = [
    ["nothing", { mounts: [], tmpfs: [] }, []],
    ["child given first", { mounts: [m("/srv/out"), m("/srv", true)], tmpfs: [] }, ["ro:/srv", "rw:/srv/out"]],
    ["same depth keeps order", { mounts: [m("/b"), m("/a"), m("/c")], tmpfs: [] }, ["rw:/b", "rw:/a", "rw:/c"]],
    ["same destination keeps order", { mounts: [m("/a", true), m("/a")], tmpfs: [] }, ["ro:/a", "rw:/a"]],
    ["binds before tmpfs at the same depth", { mounts: [m("/b")], tmpfs: ["/a"] }, ["rw:/b", "tmpfs:/a"]],
    ["a shallower tmpfs goes under a deeper bind", { mounts: [m("/opt/x")], tmpfs: ["/opt"] }, ["tmpfs:/opt", "rw:/opt/x"]],
    ["a deeper tmpfs goes over a bind", { mounts: [m("/opt")], tmpfs: ["/opt/cache/x", "/opt/cache"] }, ["rw:/opt", "tmpfs:/opt/cache", "tmpfs:/opt/cache/x"]],
    ["trailing slashes do not count", { mounts: [m("/a/b"), m("/a/")], tmpfs: [] }, ["rw:/a/", "rw:/a/b"]],
  ];
  for (const [name, shape, expected] of cases) t.strictSame(shown(shape), expected, name);

  t.strictSame(shown({ mounts: [m("/srv/out"), m("/srv/.", true)], tmpfs: [] }), ["ro:/srv/.", "rw:/srv/out"], "/srv/. is the parent of /srv/out");
  t.strictSame(shown({ mounts: [m("/srv/out"), m("/x/../srv", true)], tmpfs: [] }), ["ro:/x/../srv", "rw:/srv/out"], "/x/../srv is /srv");
});

t.test("buildBwrapArgs mounts in orderedMounts order", async (t) => {
  const args = buildBwrapArgs({
    ...DEFAULT_SANDBOX_SHAPE,
    mounts: [{ source: "/o", destination: "/srv/out", readOnly: false }, { source: "/s", destination: "/srv", readOnly: true }],
    tmpfs: ["/srv/out/tmp", "/var"],
    cwd: "/",
    socketHostPath: "/h",
    socketSandboxPath: "/run/s",
    command: ["x"],
  });
  t.strictSame(args.slice(BASE.length, BASE.length + 10), [
    "--ro-bind", "/s", "/srv",
    "--tmpfs", "/var",
    "--bind", "/o", "/srv/out",
    "--tmpfs", "/srv/out/tmp",
  ]);
  t.strictSame(args.slice(BASE.length + 10, BASE.length + 13), ["--bind", "/h", "/run/s"], "the socket last");
});
