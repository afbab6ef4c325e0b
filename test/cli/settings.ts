// Tests for src/cli/settings.ts: mergeEnvironment reads BST_CAS_RUN_* variables for every option the flags leave unset; embedded-store flags are refused beside an upstream.
import t from "tap";
import { OPTION_TABLE, type OptionRow, type RawSettings } from "../../src/cli/option-table.js";
import { mergeEnvironment, refuseStoreFlagsWithRemote } from "../../src/cli/settings.js";
import { ToolError } from "../../src/run/tool-error.js";

const BOOLEAN_ROWS = OPTION_TABLE.filter((row) => row.kind === "boolean");
const LIST_ROWS = OPTION_TABLE.filter((row) => row.kind === "list");

/** A variable's text and the value it must read as, per kind. */
const FROM_VARIABLE: Record<OptionRow["kind"], [string, unknown]> = {
  string: ["from-variable", "from-variable"],
  boolean: ["yes", true],
  list: ["v1,v2", ["v1", "v2"]],
};

/** A flag value different from what the variable gives, per kind. */
const FROM_FLAG: Record<OptionRow["kind"], unknown> = {
  string: "from-flag",
  boolean: false,
  list: ["f1"],
};

/** Every key present but undefined, as RunCommand.flags() gives when no flag is used. */
const NO_FLAGS: RawSettings = Object.fromEntries(OPTION_TABLE.map((row) => [row.key, undefined]));

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

t.test("the table: one row per RawSettings key, variables named after flags", async (t) => {
  t.equal(new Set(OPTION_TABLE.map((row) => row.key)).size, OPTION_TABLE.length, "keys are unique");
  t.equal(new Set(OPTION_TABLE.map((row) => row.env)).size, OPTION_TABLE.length, "variables are unique");
  for (const row of OPTION_TABLE) {
    t.equal(row.env, `BST_CAS_RUN_${row.flag.slice(2).toUpperCase().replaceAll("-", "_")}`, row.flag);
  }
});

t.test("variables fill unset options, one row at a time", async (t) => {
  for (const row of OPTION_TABLE) {
    t.test(`${row.env} (${row.kind})`, async (t) => {
      const [text, value] = FROM_VARIABLE[row.kind];
      const env = { [row.env]: text };
      t.strictSame(mergeEnvironment({}, env), { [row.key]: value }, "from no flags");
      t.strictSame(mergeEnvironment(NO_FLAGS, env), { ...NO_FLAGS, [row.key]: value }, "from undefined flags");
    });
  }
});

t.test("variables fill every option at once", async (t) => {
  const env = Object.fromEntries(OPTION_TABLE.map((row) => [row.env, FROM_VARIABLE[row.kind][0]]));
  const expected = Object.fromEntries(OPTION_TABLE.map((row) => [row.key, FROM_VARIABLE[row.kind][1]]));
  t.strictSame(mergeEnvironment({}, env), expected);
});

t.test("flags win over variables, one row at a time", async (t) => {
  for (const row of OPTION_TABLE) {
    t.test(`${row.flag} over ${row.env}`, async (t) => {
      const flags = { [row.key]: FROM_FLAG[row.kind] } as RawSettings;
      t.strictSame(mergeEnvironment(flags, { [row.env]: FROM_VARIABLE[row.kind][0] }), flags);
    });
  }
});

t.test("a flag set to false still wins over a true variable", async (t) => {
  for (const row of BOOLEAN_ROWS) {
    t.strictSame(mergeEnvironment({ [row.key]: false }, { [row.env]: "1" }), { [row.key]: false }, row.flag);
  }
});

t.test("a given flag's variable is not read, even when it is invalid", async (t) => {
  for (const row of BOOLEAN_ROWS) {
    t.strictSame(mergeEnvironment({ [row.key]: true }, { [row.env]: "maybe" }), { [row.key]: true }, row.flag);
  }
});

t.test("no variables: the flags come back unchanged", async (t) => {
  const flags: RawSettings = { cacheDir: "/c", bind: ["a"], shareNet: true, instance: undefined };
  t.strictSame(mergeEnvironment(flags, {}), { cacheDir: "/c", bind: ["a"], shareNet: true, instance: undefined });
  t.strictSame(mergeEnvironment({}, { HOME: "/root", BST_CAS_RUN: "x", bst_cas_run_instance: "lower" }), {}, "other variables are ignored");
});

t.test("the flags object is not modified", async (t) => {
  const flags: RawSettings = { instance: undefined };
  mergeEnvironment(flags, { BST_CAS_RUN_INSTANCE: "i", BST_CAS_RUN_BIND: "a" });
  t.strictSame(flags, { instance: undefined });
});

t.test("boolean words", async (t) => {
  const cases: Array<[string, boolean]> = [
    ["1", true], ["true", true], ["yes", true], ["on", true],
    ["TRUE", true], ["Yes", true], ["ON", true], ["tRuE", true], [" yes ", true],
    ["0", false], ["false", false], ["no", false], ["off", false], ["", false],
    ["FALSE", false], ["No", false], ["OFF", false], [" 0 ", false],
  ];
  for (const row of BOOLEAN_ROWS) {
    t.test(row.env, async (t) => {
      for (const [text, value] of cases) t.equal(mergeEnvironment({}, { [row.env]: text })[row.key], value, JSON.stringify(text));
    });
  }
});

t.test("other boolean values throw a ToolError naming the variable", async (t) => {
  const bad = ["2", "-1", "y", "n", "t", "f", "enable", "truee", "yes please", "o", "nope", "1,0"];
  for (const row of BOOLEAN_ROWS) {
    t.test(row.env, async (t) => {
      for (const text of bad) {
        const error = errorOf(() => mergeEnvironment({}, { [row.env]: text }));
        t.type(error, ToolError, JSON.stringify(text));
        if (error instanceof ToolError) {
          t.equal(error.exitStatus, 125);
          t.equal(error.message, `${row.env} must be 1/true/yes or 0/false/no, got ${JSON.stringify(text)}`);
        }
      }
    });
  }
});

t.test("lists split on commas, dropping empty items", async (t) => {
  const cases: Array<[string, string[]]> = [
    ["a", ["a"]],
    ["a,b", ["a", "b"]],
    ["a,,b", ["a", "b"]],
    [",a,b,", ["a", "b"]],
    ["", []],
    [",", []],
    [",,,", []],
    ["a b,c:d", ["a b", "c:d"]],
    [" a , b", [" a ", " b"]],
  ];
  for (const row of LIST_ROWS) {
    t.test(row.env, async (t) => {
      for (const [text, value] of cases) t.strictSame(mergeEnvironment({}, { [row.env]: text })[row.key], value, JSON.stringify(text));
    });
  }
});

t.test("an empty list from the flags counts as not given", async (t) => {
  for (const row of LIST_ROWS) {
    t.strictSame(mergeEnvironment({ [row.key]: [] }, { [row.env]: "x,y" }), { [row.key]: ["x", "y"] }, `${row.flag} []`);
    t.strictSame(mergeEnvironment({ [row.key]: [] }, {}), { [row.key]: [] }, `${row.flag} [] without a variable`);
  }
});

t.test("an empty string flag counts as given", async (t) => {
  t.strictSame(mergeEnvironment({ instance: "" }, { BST_CAS_RUN_INSTANCE: "main" }), { instance: "" });
});

t.test("an instance name that cannot be one is refused, naming the flag or the variable it came from", async (t) => {
  const cases: Array<[RawSettings, NodeJS.ProcessEnv, string]> = [
    [{ instance: "a/blobs" }, {}, '--instance "a/blobs": the instance name uses the reserved word "blobs"'],
    [{}, { BST_CAS_RUN_INSTANCE: "main/" }, `BST_CAS_RUN_INSTANCE "main/": the instance name starts or ends with '/'`],
    [{ remoteInstance: "x/../y" }, {}, `--remote-instance "x/../y": the instance name has an empty, '.' or '..' segment`],
    [{}, { BST_CAS_RUN_REMOTE_INSTANCE: "uploads" }, 'BST_CAS_RUN_REMOTE_INSTANCE "uploads": the instance name uses the reserved word "uploads"'],
    [{ instance: "/a" }, { BST_CAS_RUN_INSTANCE: "fine" }, `--instance "/a": the instance name starts or ends with '/'`],
  ];
  for (const [flags, env, message] of cases) {
    const error = errorOf(() => mergeEnvironment(flags, env));
    t.type(error, ToolError, message);
    if (error instanceof ToolError) {
      t.equal(error.exitStatus, 125);
      t.equal(error.message, message);
    }
  }
  t.strictSame(mergeEnvironment({ instance: "fine" }, { BST_CAS_RUN_INSTANCE: "a/blobs" }), { instance: "fine" }, "a variable the flag overrides is not read");
  t.strictSame(mergeEnvironment({}, { BST_CAS_RUN_INSTANCE: "", BST_CAS_RUN_REMOTE_INSTANCE: "a/b" }), { instance: "", remoteInstance: "a/b" }, "good names pass");
});

t.test("--cache-dir and --cache-quota given as flags are refused beside an upstream; from variables they are left alone", async (t) => {
  const check = (flags: RawSettings, env: NodeJS.ProcessEnv) => errorOf(() => refuseStoreFlagsWithRemote(flags, mergeEnvironment(flags, env)));
  for (const [key, flag] of [["cacheDir", "--cache-dir"], ["cacheQuota", "--cache-quota"]] as const) {
    const withFlag: RawSettings = { ...NO_FLAGS, [key]: "x" };
    for (const [how, flags, env] of [
      ["--remote", { ...withFlag, remote: "unix:/up.sock" }, {}],
      ["BST_CAS_RUN_REMOTE", withFlag, { BST_CAS_RUN_REMOTE: "unix:/up.sock" }],
    ] as const) {
      const error = check(flags, env);
      t.type(error, ToolError, `${flag} with ${how}`);
      t.equal((error as Error).message, `${flag} applies to the embedded store; with --remote unix:/up.sock the upstream keeps the blobs`);
    }
    t.equal(check(withFlag, {}), undefined, `${flag} without an upstream`);
  }
  t.equal(check({ ...NO_FLAGS, remote: "unix:/up.sock" }, { BST_CAS_RUN_CACHE_DIR: "/c", BST_CAS_RUN_CACHE_QUOTA: "1G" }), undefined, "the variables beside --remote");
});
