// Tests for src/sandbox/sandbox-view.ts: which host path backs each sandbox path, as bwrap mounts them.
import t from "tap";
import { DEFAULT_SANDBOX_SHAPE, type Mount } from "../../src/sandbox/bwrap-args.js";
import { HOST_VIEW, resolveInView, sandboxView } from "../../src/sandbox/sandbox-view.js";

type ViewSpec = Parameters<typeof sandboxView>[0];

const rw = (source: string, destination: string): Mount => ({ source, destination, readOnly: false });
const ro = (source: string, destination: string): Mount => ({ source, destination, readOnly: true });

/** The host root, the working directory /home/u, nothing extra. */
const HOST: ViewSpec = { ...DEFAULT_SANDBOX_SHAPE, cwd: "/home/u" };

const cases: Array<{ name: string; spec: ViewSpec; paths: Array<[string, string | undefined]> }> = [
  {
    name: "host root: paths map to themselves",
    spec: HOST,
    paths: [
      ["/", "/"],
      ["/etc/passwd", "/etc/passwd"],
      ["/usr/bin/cc", "/usr/bin/cc"],
      ["/home/u", "/home/u"],
      ["/home/u/src/main.c", "/home/u/src/main.c"],
      ["/home/other", "/home/other"],
    ],
  },
  {
    name: "/tmp and /run are fresh tmpfs",
    spec: HOST,
    paths: [
      ["/tmp", undefined],
      ["/tmp/", undefined],
      ["/tmp/x", undefined],
      ["/tmp/a/b/c", undefined],
      ["/run", undefined],
      ["/run/reapi.sock", undefined],
      ["/run/user/0/x", undefined],
    ],
  },
  {
    name: "names that only start like /tmp or /run are not under them",
    spec: HOST,
    paths: [
      ["/tmpfoo", "/tmpfoo"],
      ["/tmpfoo/x", "/tmpfoo/x"],
      ["/tmp.d/x", "/tmp.d/x"],
      ["/running/x", "/running/x"],
      ["/var/tmp/x", "/var/tmp/x"],
      ["/var/run/x", "/var/run/x"],
    ],
  },
  {
    name: "a working directory under /tmp is bound over the tmpfs",
    spec: { ...DEFAULT_SANDBOX_SHAPE, cwd: "/tmp/work" },
    paths: [
      ["/tmp/work", "/tmp/work"],
      ["/tmp/work/bin/tool", "/tmp/work/bin/tool"],
      ["/tmp/workx", undefined],
      ["/tmp/other", undefined],
    ],
  },
  {
    name: "--root: the root prefix is applied and the cwd is not bound",
    spec: { ...DEFAULT_SANDBOX_SHAPE, root: "/srv/sysroot", cwd: "/tmp/work" },
    paths: [
      ["/", "/srv/sysroot"],
      ["/usr/bin/cc", "/srv/sysroot/usr/bin/cc"],
      ["/home/u/x", "/srv/sysroot/home/u/x"],
      ["/tmp/work/x", undefined],
      ["/run/x", undefined],
      ["/tmpfoo", "/srv/sysroot/tmpfoo"],
    ],
  },
  {
    name: "--root with a mount: mount sources are host paths",
    spec: { ...DEFAULT_SANDBOX_SHAPE, root: "/srv/sysroot", cwd: "/home/u", mounts: [rw("/home/u/src", "/src")] },
    paths: [
      ["/src", "/home/u/src"],
      ["/src/main.c", "/home/u/src/main.c"],
      ["/srcx", "/srv/sysroot/srcx"],
      ["/home/u/src", "/srv/sysroot/home/u/src"],
    ],
  },
  {
    name: "a mount maps its destination and below, read-only or not",
    spec: { ...HOST, mounts: [ro("/data", "/mnt/data"), rw("/scratch", "/work")] },
    paths: [
      ["/mnt/data", "/data"],
      ["/mnt/data/", "/data"],
      ["/mnt/data/a/b", "/data/a/b"],
      ["/mnt/datax", "/mnt/datax"],
      ["/mnt", "/mnt"],
      ["/work/x", "/scratch/x"],
    ],
  },
  {
    name: "mounts make /tmp and /run visible",
    spec: { ...HOST, mounts: [rw("/host/tmp", "/tmp"), ro("/host/run/dir", "/run/dir")] },
    paths: [
      ["/tmp", "/host/tmp"],
      ["/tmp/x", "/host/tmp/x"],
      ["/run/dir/y", "/host/run/dir/y"],
      ["/run/other", undefined],
    ],
  },
  {
    name: "later mounts win over earlier ones",
    spec: { ...HOST, mounts: [rw("/a", "/opt"), rw("/b", "/opt"), rw("/c", "/opt/sub")] },
    paths: [
      ["/opt", "/b"],
      ["/opt/x", "/b/x"],
      ["/opt/sub", "/c"],
      ["/opt/sub/y", "/c/y"],
    ],
  },
  {
    name: "an inner mount stays visible when an outer one is given after it (parents mount first)",
    spec: { ...HOST, mounts: [rw("/c", "/opt/sub"), rw("/a", "/opt")] },
    paths: [
      ["/opt/sub/y", "/c/y"],
      ["/opt/x", "/a/x"],
    ],
  },
  {
    name: "a mount over the working directory wins over the cwd bind",
    spec: { ...HOST, mounts: [ro("/elsewhere", "/home/u")] },
    paths: [["/home/u/f", "/elsewhere/f"]],
  },
  {
    name: "tmpfs mounts hide the root, the cwd and shallower mounts; deeper mounts go on top",
    spec: { ...HOST, mounts: [rw("/a", "/opt"), rw("/b", "/opt/sub/deep")], tmpfs: ["/opt/sub", "/home/u/cache", "/var"] },
    paths: [
      ["/opt/x", "/a/x"],
      ["/opt/sub", undefined],
      ["/opt/sub/deep/x", "/b/x"],
      ["/home/u/cache/x", undefined],
      ["/home/u/cachex", "/home/u/cachex"],
      ["/home/u/f", "/home/u/f"],
      ["/var/lib/x", undefined],
      ["/variable", "/variable"],
    ],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const view = sandboxView(c.spec);
    for (const [path, expected] of c.paths) t.equal(view(path), expected, `${path} -> ${String(expected)}`);
  });
}

t.test("paths are normalized before matching", async (t) => {
  const view = sandboxView({ ...HOST, mounts: [rw("/a", "/opt")] });
  t.equal(view("/opt/./x"), "/a/x");
  t.equal(view("/opt//x"), "/a/x");
  t.equal(view("/opt/sub/../x"), "/a/x");
  t.equal(view("/tmp/../opt/x"), "/a/x");
  t.equal(view("/opt/../etc/x"), "/etc/x");
});

t.test("names starting with .. inside a mount or tmpfs are under it", async (t) => {
  const view = sandboxView({ ...HOST, mounts: [rw("/a", "/opt")] });
  // relative("/tmp", "/tmp/..x") is "..x": inside /tmp, although it starts with "..".
  t.equal(view("/tmp/..x"), undefined, "hidden by the /tmp tmpfs");
  t.equal(view("/opt/..cache/f"), "/a/..cache/f", "under the /opt mount");
  t.equal(view("/tmp/.x"), undefined, "a single leading dot is fine");
});

t.test("the view does not change when the spec's arrays change afterwards", async (t) => {
  const mounts = [rw("/a", "/opt")];
  const tmpfs: string[] = [];
  const view = sandboxView({ ...HOST, mounts, tmpfs });
  mounts.push(rw("/b", "/opt"));
  tmpfs.push("/opt");
  t.equal(view("/opt/x"), "/a/x");
});

t.test("HOST_VIEW is the identity", async (t) => {
  for (const path of ["/", "/tmp/x", "/run/reapi.sock", "/usr/bin/cc", "/tmp/..x"]) t.equal(HOST_VIEW(path), path);
});

t.test("resolveInView follows symbolic links inside the sandbox", async (t) => {
  const sysroot = t.testdir({
    lib: { real: { "ld.so": "loader" } },
    lib64: {
      absolute: t.fixture("symlink", "/lib/real/ld.so"),
      relative: t.fixture("symlink", "../lib/real/ld.so"),
      loop: t.fixture("symlink", "/lib64/loop"),
      intoTmp: t.fixture("symlink", "/tmp/ld.so"),
      dangling: t.fixture("symlink", "/lib/real/missing"),
    },
    libdir: t.fixture("symlink", "lib/real"),
  });
  const view = sandboxView({ ...DEFAULT_SANDBOX_SHAPE, root: sysroot, cwd: "/" });
  const real = `${sysroot}/lib/real/ld.so`;
  // ".." after a link goes up from the link's target, as the kernel does it.
  const cases: Array<[string, string | undefined]> = [
    ["/lib/real/ld.so", real],
    ["/lib64/absolute", real],
    ["/lib64/relative", real],
    ["/libdir/ld.so", real],
    ["/libdir/../real/ld.so", real],
    ["/libdir/../lib64/absolute", undefined],
    ["/lib64/loop", undefined],
    ["/lib64/intoTmp", undefined],
    ["/lib64/dangling", undefined],
    ["/lib64/missing/x", undefined],
  ];
  for (const [path, expected] of cases) t.equal(resolveInView(path, view), expected, path);
  t.equal(resolveInView("/proc/self/exe", HOST_VIEW)?.startsWith("/proc/"), false, "the host view follows the host's links");
});
