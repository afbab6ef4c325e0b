// Tests for src/cli/validate.ts: which --socket-path values pass checkSocketPath.
import t from "tap";
import { checkSocketPath } from "../../src/cli/validate.js";
import { MAX_SOCKET_PATH_BYTES } from "../../src/run/private-dir.js";
import { ToolError } from "../../src/run/tool-error.js";

/** An absolute path under `dir` of exactly `bytes` UTF-8 bytes. */
function pathOfBytes(dir: string, bytes: number): string {
  return `${dir}/${"s".repeat(bytes - dir.length - 1)}`;
}

function errorOf(path: string): unknown {
  try {
    checkSocketPath(path);
  } catch (error) {
    return error;
  }
  return undefined;
}

t.test("MAX_SOCKET_PATH_BYTES is sun_path minus its NUL", async (t) => {
  t.equal(MAX_SOCKET_PATH_BYTES, 107);
});

t.test("accepted", async (t) => {
  const cases = [
    "/run/reapi.sock",
    "/tmp/reapi.sock",
    "/run/user/1000/bst/cas.sock",
    "/tmp/a b/s",
    "/tmp/.hidden",
    pathOfBytes("/run", 107),
    pathOfBytes("/tmp", 107),
    `/tmp/${"é".repeat(51)}`, // 5 + 102 = 107 bytes
  ];
  for (const path of cases) {
    t.test(JSON.stringify(path), async (t) => {
      t.equal(errorOf(path), undefined);
    });
  }
});

t.test("refused with a ToolError (status 125) naming the value", async (t) => {
  const notNormal = (p: string): string => `--socket-path must be a normalized absolute path, got ${JSON.stringify(p)}`;
  const notPrivate = (p: string): string =>
    `--socket-path must lie under /run or /tmp (private in the sandbox), got ${JSON.stringify(p)}`;
  const tooLong = (n: number): string =>
    `--socket-path is ${n} bytes, over the 107 a UNIX socket path may have`;
  const cases: Array<[string, string]> = [
    ["", notNormal("")],
    ["reapi.sock", notNormal("reapi.sock")],
    ["run/reapi.sock", notNormal("run/reapi.sock")],
    ["./tmp/s", notNormal("./tmp/s")],
    ["/tmp/s/", notNormal("/tmp/s/")],
    ["/tmp/", notNormal("/tmp/")],
    ["/tmp//s", notNormal("/tmp//s")],
    ["/tmp/./s", notNormal("/tmp/./s")],
    ["/tmp/../etc/s", notNormal("/tmp/../etc/s")],
    ["/run/x/../s", notNormal("/run/x/../s")],
    ["//tmp/s", notNormal("//tmp/s")],
    ["/", notNormal("/")],
    ["/tmp", notPrivate("/tmp")],
    ["/run", notPrivate("/run")],
    ["/var/run/s", notPrivate("/var/run/s")],
    ["/tmpfoo/s", notPrivate("/tmpfoo/s")],
    ["/running/s", notPrivate("/running/s")],
    ["/home/u/s", notPrivate("/home/u/s")],
    ["/TMP/s", notPrivate("/TMP/s")],
    [pathOfBytes("/run", 108), tooLong(108)],
    [pathOfBytes("/tmp", 200), tooLong(200)],
    [`/tmp/${"é".repeat(52)}`, tooLong(109)],
  ];
  for (const [path, message] of cases) {
    t.test(JSON.stringify(path.length > 40 ? `${path.slice(0, 40)}...` : path), async (t) => {
      const error = errorOf(path);
      t.type(error, ToolError);
      if (error instanceof ToolError) {
        t.equal(error.exitStatus, 125);
        t.equal(error.message, message);
      }
    });
  }
});
