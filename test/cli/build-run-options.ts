// Tests for src/cli/build-run-options.ts: defaults, one-line errors naming the option, and the command's environment.
import { join } from "node:path";
import t from "tap";
import { buildRunOptions, MINIMAL_PATH, type RunContext } from "../../src/cli/build-run-options.js";
import type { RawSettings } from "../../src/cli/option-table.js";
import type { RunOptions } from "../../src/run/run-options.js";
import { ToolError } from "../../src/run/tool-error.js";
import { buildBwrapArgs, orderedMounts } from "../../src/sandbox/bwrap-args.js";

const dir = t.testdir({ src: {}, sub: { out: {} }, afile: "x" });
const CONTEXT: RunContext = { cwd: dir, env: { XDG_CACHE_HOME: "/xdg", PATH: "/p", HOME: "/home/u" } };

const build = (settings: RawSettings, context: RunContext = CONTEXT): RunOptions => buildRunOptions(settings, ["cc", "-c"], context);

function errorOf(settings: RawSettings): unknown {
  try {
    build(settings);
  } catch (error) {
    return error;
  }
  return undefined;
}

t.test("defaults", async (t) => {
  const options = build({});
  t.strictSame(options, {
    command: ["cc", "-c"],
    cacheDir: "/xdg/bst-cas-run",
    socketPath: "/run/reapi.sock",
    instanceName: "",
    policy: { actionCacheUpdate: false },
    sandbox: "bwrap",
    interactive: false,
    shape: { root: "/", mounts: [], tmpfs: [], shareNet: false },
    cwd: dir,
    env: { XDG_CACHE_HOME: "/xdg", PATH: "/p", HOME: "/home/u" },
    setenv: {},
    maxBlobSizeBytes: Number.MAX_SAFE_INTEGER,
    observability: { verbose: false, stats: false },
  });
  t.not(options.env, CONTEXT.env, "the environment is a copy");
  t.equal(build({}, { cwd: "/", env: { XDG_CACHE_HOME: "/other" } }).cacheDir, "/other/bst-cas-run", "XDG_CACHE_HOME from the given env");
});

t.test("every option given", async (t) => {
  t.strictSame(
    build({
      cacheDir: "cache", socketPath: "/tmp/r.sock", instance: "main", actionCacheEnableUpdate: true, sandbox: "bwrap",
      root: "sub", bind: ["src", "afile:/etc/x"], roBind: ["/:/host"], tmpfs: ["/var/tmp"], chdir: "/src", shareNet: true,
      uid: "0", gid: "4294967294", hostname: "build-1.example", setenv: ["A=1"], unsetenv: ["HOME"], clearenv: false,
      maxBlobSize: "64K", verbose: true, logFile: "calls.log", stats: true, statsJson: join(dir, "sub", "s.json"), interactive: true,
    }),
    {
      command: ["cc", "-c"],
      cacheDir: join(dir, "cache"),
      socketPath: "/tmp/r.sock",
      instanceName: "main",
      policy: { actionCacheUpdate: true },
      sandbox: "bwrap",
      interactive: true,
      shape: {
        root: join(dir, "sub"),
        mounts: [
          { source: join(dir, "src"), destination: join(dir, "src"), readOnly: false },
          { source: join(dir, "afile"), destination: "/etc/x", readOnly: false },
          { source: "/", destination: "/host", readOnly: true },
        ],
        tmpfs: ["/var/tmp"],
        shareNet: true,
        chdir: "/src",
        uid: 0,
        gid: 4294967294,
        hostname: "build-1.example",
      },
      cwd: dir,
      env: { XDG_CACHE_HOME: "/xdg", PATH: "/p" },
      setenv: { A: "1" },
      maxBlobSizeBytes: 65536,
      observability: { verbose: true, stats: true, logFile: join(dir, "calls.log"), statsJson: join(dir, "sub", "s.json") },
    },
  );
});

t.test("paths resolved against the given cwd", async (t) => {
  const cases: Array<[string, RawSettings, (o: RunOptions) => unknown, unknown]> = [
    ["relative --cache-dir", { cacheDir: "c/d" }, (o) => o.cacheDir, join(dir, "c/d")],
    ["--cache-dir with ..", { cacheDir: "../c" }, (o) => o.cacheDir, join(dir, "../c")],
    ["absolute --cache-dir", { cacheDir: "/var/cache/x" }, (o) => o.cacheDir, "/var/cache/x"],
    ["relative --root", { root: "./sub" }, (o) => o.shape.root, join(dir, "sub")],
    ["relative --bind source, no destination", { bind: ["sub/out"] }, (o) => o.shape.mounts, [{ source: join(dir, "sub/out"), destination: join(dir, "sub/out"), readOnly: false }]],
    ["relative --ro-bind source with a destination", { roBind: ["./src:/s"] }, (o) => o.shape.mounts, [{ source: join(dir, "src"), destination: "/s", readOnly: true }]],
    ["relative --log-file and --stats-json", { logFile: "l/x.log", statsJson: "../s.json" }, (o) => o.observability, { verbose: false, stats: false, logFile: join(dir, "l/x.log"), statsJson: join(dir, "../s.json") }],
    ["--bind source with ..", { bind: ["sub/../afile:/f"] }, (o) => o.shape.mounts, [{ source: join(dir, "afile"), destination: "/f", readOnly: false }]],
  ];
  for (const [name, settings, pick, expected] of cases) t.strictSame(pick(build(settings)), expected, name);
});

t.test("refused with a ToolError (125) naming the option and value", async (t) => {
  const longSocket = `/run/${"s".repeat(103)}`;
  const sandboxPath = (flag: string, value: string): string => `${flag} needs an absolute path inside the sandbox, got ${JSON.stringify(value)}`;
  const cases: Array<[RawSettings, string]> = [
    [{ socketPath: "reapi.sock" }, '--socket-path must be a normalized absolute path, got "reapi.sock"'],
    [{ socketPath: "/var/reapi.sock" }, '--socket-path must lie under /run or /tmp (private in the sandbox), got "/var/reapi.sock"'],
    [{ socketPath: longSocket }, "--socket-path is 108 bytes, over the 107 a UNIX socket path may have"],
    [{ sandbox: "docker" }, '--sandbox must be bwrap or none, got "docker"'],
    [{ sandbox: "BWRAP" }, '--sandbox must be bwrap or none, got "BWRAP"'],
    [{ sandbox: "" }, '--sandbox must be bwrap or none, got ""'],
    [{ root: "/nonexistent/root" }, '--root: "/nonexistent/root" is not a directory'],
    [{ root: "afile" }, `--root: ${JSON.stringify(join(dir, "afile"))} is not a directory`],
    [{ root: "missing" }, `--root: ${JSON.stringify(join(dir, "missing"))} is not a directory`],
    [{ bind: ["missing"] }, '--bind: "missing" does not exist'],
    [{ bind: ["src", "missing:/m"] }, '--bind: "missing" does not exist'],
    [{ roBind: ["/nonexistent/x:/x"] }, '--ro-bind: "/nonexistent/x" does not exist'],
    [{ bind: [""] }, '--bind takes SRC[:DEST], got ""'],
    [{ bind: [":/x"] }, '--bind takes SRC[:DEST], got ":/x"'],
    [{ roBind: [":/x"] }, '--ro-bind takes SRC[:DEST], got ":/x"'],
    [{ bind: ["src:rel"] }, sandboxPath("--bind", "rel")],
    [{ bind: ["src:"] }, sandboxPath("--bind", "")],
    [{ roBind: ["src:./x"] }, sandboxPath("--ro-bind", "./x")],
    [{ tmpfs: ["/ok", "rel"] }, sandboxPath("--tmpfs", "rel")],
    [{ tmpfs: [""] }, sandboxPath("--tmpfs", "")],
    [{ chdir: "src" }, sandboxPath("--chdir", "src")],
    [{ chdir: "" }, sandboxPath("--chdir", "")],
    ...["abc", "-1", "1.5", "01", "", " 1", "1e3", "0x10", "4294967295", "99999999999"].flatMap((id): Array<[RawSettings, string]> => [
      [{ uid: id }, `--uid must be a numeric id, got ${JSON.stringify(id)}`],
      [{ gid: id }, `--gid must be a numeric id, got ${JSON.stringify(id)}`],
    ]),
    ...["", "-x", ".x", "a_b", "a b", "ä", "x".repeat(64), "a\n"].map((name): [RawSettings, string] => [
      { hostname: name }, `--hostname must be a host name, got ${JSON.stringify(name)}`,
    ]),
    ...["", "abc", "-1", "1.5", "1P", "K", "1 K", "1KK", "0x10", "99999999T"].map((size): [RawSettings, string] => [
      { maxBlobSize: size }, `--max-blob-size takes a size such as 4096, 64K, 512M or 10G, got ${JSON.stringify(size)}`,
    ]),
    [{ setenv: ["FOO"] }, '--setenv takes NAME=VALUE, got "FOO"'],
    [{ setenv: ["=x"] }, '--setenv takes NAME=VALUE, got "=x"'],
    [{ setenv: [""] }, '--setenv takes NAME=VALUE, got ""'],
    [{ setenv: ["1A=x"] }, '--setenv: "1A" is not a variable name'],
    [{ setenv: ["A-B=x"] }, '--setenv: "A-B" is not a variable name'],
    [{ setenv: ["A B=x"] }, '--setenv: "A B" is not a variable name'],
    [{ unsetenv: ["1A"] }, '--unsetenv: "1A" is not a variable name'],
    [{ unsetenv: ["A=B"] }, '--unsetenv: "A=B" is not a variable name'],
    [{ unsetenv: [""] }, '--unsetenv: "" is not a variable name'],
  ];
  const conflict = (flags: string): string => `--sandbox none cannot be combined with sandbox options (${flags})`;
  const none: Array<[RawSettings, string]> = [
    [{ root: "sub" }, conflict("--root")],
    [{ bind: ["src"] }, conflict("--bind")],
    [{ roBind: ["src"] }, conflict("--ro-bind")],
    [{ tmpfs: ["/t"] }, conflict("--tmpfs")],
    [{ chdir: "/c" }, conflict("--chdir")],
    [{ uid: "0" }, conflict("--uid")],
    [{ gid: "0" }, conflict("--gid")],
    [{ hostname: "h" }, conflict("--hostname")],
    [{ shareNet: true }, conflict("--share-net")],
    [{ bind: ["missing"] }, conflict("--bind")],
    [{ shareNet: true, hostname: "h", uid: "1", roBind: ["src"], root: "/" }, conflict("--root, --ro-bind, --uid, --hostname, --share-net")],
  ];
  cases.push(...none.map(([settings, message]): [RawSettings, string] => [{ ...settings, sandbox: "none" }, message]));
  for (const [settings, message] of cases) {
    t.test(JSON.stringify(settings).slice(0, 80), async (t) => {
      const error = errorOf(settings);
      t.type(error, ToolError);
      if (error instanceof ToolError) {
        t.equal(error.exitStatus, 125);
        t.equal(error.message, message);
        t.notMatch(error.message, /\n/, "one line");
      }
    });
  }
});

t.test("accepted edge values", async (t) => {
  const cases: Array<[RawSettings, (o: RunOptions) => unknown, unknown]> = [
    [{ uid: "0", gid: "0" }, (o) => [o.shape.uid, o.shape.gid], [0, 0]],
    [{ uid: "4294967294" }, (o) => o.shape.uid, 4294967294],
    [{ hostname: "a" }, (o) => o.shape.hostname, "a"],
    [{ hostname: `a${"-".repeat(62)}` }, (o) => o.shape.hostname, `a${"-".repeat(62)}`],
    [{ hostname: "9.x-Y" }, (o) => o.shape.hostname, "9.x-Y"],
    [{ sandbox: "none" }, (o) => o.sandbox, "none"],
    [{ sandbox: "none", bind: [], roBind: [], tmpfs: [], shareNet: false }, (o) => o.shape, { root: "/", mounts: [], tmpfs: [], shareNet: false }],
    [{ sandbox: "none", clearenv: true, setenv: ["A=1"], cacheDir: "/c", instance: "i", actionCacheEnableUpdate: true, verbose: true }, (o) => [o.sandbox, o.env, o.setenv], ["none", { PATH: MINIMAL_PATH }, { A: "1" }]],
    [{ root: "/" }, (o) => o.shape.root, "/"],
    ...([["0", 0], ["512", 512], ["64K", 65536], ["64k", 65536], ["1M", 1024 ** 2], ["10G", 10 * 1024 ** 3], ["2T", 2 * 1024 ** 4], ["1KiB", 1024], ["3MB", 3 * 1024 ** 2], [" 8K ", 8192]] as const)
      .map(([size, bytes]): [RawSettings, (o: RunOptions) => unknown, unknown] => [{ maxBlobSize: size }, (o) => o.maxBlobSizeBytes, bytes]),
    [{ socketPath: `/run/${"s".repeat(102)}` }, (o) => o.socketPath.length, 107],
  ];
  for (const [settings, pick, expected] of cases) t.strictSame(pick(build(settings)), expected, JSON.stringify(settings).slice(0, 80));
});

t.test("the command's environment: --clearenv, then --unsetenv, then --setenv", async (t) => {
  t.equal(MINIMAL_PATH, "/usr/local/bin:/usr/bin:/bin");
  const inherited = { PATH: "/p", HOME: "/home/u", A: "old", B: "b" };
  // [name, settings, env (inherited after --clearenv/--unsetenv), setenv, what the command gets (env, then setenv over it)]
  const cases: Array<[string, RawSettings, NodeJS.ProcessEnv, Record<string, string>, NodeJS.ProcessEnv]> = [
    ["inherited as is", {}, inherited, {}, inherited],
    ["--clearenv leaves only the minimal PATH", { clearenv: true }, { PATH: MINIMAL_PATH }, {}, { PATH: MINIMAL_PATH }],
    ["--clearenv false inherits", { clearenv: false }, inherited, {}, inherited],
    ["--unsetenv", { unsetenv: ["A", "HOME", "NOT_SET"] }, { PATH: "/p", B: "b" }, {}, { PATH: "/p", B: "b" }],
    ["--setenv adds and replaces", { setenv: ["A=new", "C=c"] }, inherited, { A: "new", C: "c" }, { ...inherited, A: "new", C: "c" }],
    ["--setenv keeps = in the value and allows empty", { setenv: ["C=x=y", "D="] }, inherited, { C: "x=y", D: "" }, { ...inherited, C: "x=y", D: "" }],
    ["the last --setenv of a name wins", { setenv: ["A=1", "A=2"] }, inherited, { A: "2" }, { ...inherited, A: "2" }],
    ["--setenv after --unsetenv", { unsetenv: ["A"], setenv: ["A=back"] }, { PATH: "/p", HOME: "/home/u", B: "b" }, { A: "back" }, { ...inherited, A: "back" }],
    ["--unsetenv after --clearenv", { clearenv: true, unsetenv: ["PATH"] }, {}, {}, {}],
    ["--setenv after --clearenv", { clearenv: true, setenv: ["PATH=/x", "A=1"] }, { PATH: MINIMAL_PATH }, { PATH: "/x", A: "1" }, { PATH: "/x", A: "1" }],
    ["all three", { clearenv: true, unsetenv: ["PATH", "A"], setenv: ["A=set"] }, {}, { A: "set" }, { A: "set" }],
  ];
  for (const [name, settings, env, setenv, final] of cases) {
    t.test(name, async (t) => {
      const options = build(settings, { cwd: "/", env: inherited });
      t.strictSame(options.env, env, "env");
      t.strictSame(options.setenv, setenv, "setenv");
      t.strictSame({ ...options.env, ...options.setenv }, final, "env, then setenv");
    });
  }
  t.strictSame(inherited, { PATH: "/p", HOME: "/home/u", A: "old", B: "b" }, "the inherited environment is not modified");
});

t.test("mount order: a --bind nested under a --ro-bind stays on top, whatever the flag order", async (t) => {
  const shape = build({ roBind: [`${dir}:/srv`], bind: [`${dir}/sub/out:/srv/out`] }).shape;
  const args = buildBwrapArgs({ ...shape, cwd: "/", socketHostPath: "/h", socketSandboxPath: "/run/s", command: ["x"] });
  const at = (flag: string, destination: string): number => args.findIndex((a, i) => a === flag && args[i + 2] === destination);
  t.ok(at("--ro-bind", "/srv") > 0, "the ro-bind is there");
  t.ok(at("--ro-bind", "/srv") < at("--bind", "/srv/out"), "the parent is mounted before the child");
  t.strictSame(orderedMounts(shape).map((e) => (e.kind === "bind" ? e.mount.destination : e.destination)), ["/srv", "/srv/out"], "orderedMounts agrees");
  t.strictSame(build({ bind: ["src:/a", "sub:/b"], roBind: ["afile:/c"] }).shape.mounts.map((m) => m.destination), ["/a", "/b", "/c"], "order within each flag is kept");
});

t.test("--stats-json must be writable before the run starts", async (t) => {
  t.equal(build({ statsJson: "new.json" }).observability.statsJson, join(dir, "new.json"), "a new file in the working directory");
  t.equal(build({ statsJson: "afile" }).observability.statsJson, join(dir, "afile"), "an existing regular file");
  const cases: Array<[string, string]> = [
    ["gone/s.json", `--stats-json: cannot write ${join(dir, "gone", "s.json")}: the directory ${join(dir, "gone")} does not exist`],
    ["sub", `--stats-json: cannot write ${join(dir, "sub")}: it is a directory`],
    ["afile/s.json", `--stats-json: cannot write ${join(dir, "afile", "s.json")}: ${join(dir, "afile")} is not a directory`],
  ];
  for (const [statsJson, message] of cases) {
    const error = errorOf({ statsJson });
    t.type(error, ToolError, statsJson);
    if (error instanceof ToolError) {
      t.equal(error.exitStatus, 125);
      t.equal(error.message, message);
    }
  }
});

t.test("empty path values are refused, like an empty --bind source", async (t) => {
  const cases: Array<[RawSettings, string]> = [
    [{ root: "" }, "--root must not be empty"],
    [{ cacheDir: "" }, "--cache-dir must not be empty"],
    [{ logFile: "" }, "--log-file must not be empty"],
    [{ statsJson: "" }, "--stats-json must not be empty"],
    [{ root: "", sandbox: "none" }, "--root must not be empty"],
  ];
  for (const [settings, message] of cases) {
    const error = errorOf(settings);
    t.type(error, ToolError, JSON.stringify(settings));
    if (error instanceof ToolError) {
      t.equal(error.exitStatus, 125);
      t.equal(error.message, message);
    }
  }
});

t.test("--connect-timeout: seconds, 10 by default, turned into the upstream's connectTimeoutMs", async (t) => {
  t.equal(build({ remote: "unix:/up.sock" }).remote?.connectTimeoutMs, 10_000, "default 10 s");
  t.equal(build({ remote: "unix:/up.sock", connectTimeout: "2.5" }).remote?.connectTimeoutMs, 2_500, "fractions of a second");
  for (const text of ["0", "-1", "abc", "1e3", "", " 5", "0.0"]) {
    const error = errorOf({ remote: "unix:/up.sock", connectTimeout: text });
    t.type(error, ToolError, JSON.stringify(text));
    t.equal((error as Error).message, `--connect-timeout takes a positive number of seconds, got ${JSON.stringify(text)}`);
  }
});
