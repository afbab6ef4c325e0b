// Tests for src/run/tool-error.ts: a ToolError carries its exit status, and is recognized by another copy of the module (each bundle has its own).
import t from "tap";
import { ExitStatus, isToolError, ToolError } from "../../src/run/tool-error.js";

t.test("a ToolError carries its message, status and cause", async (t) => {
  const cause = new Error("EACCES");
  const error = new ToolError("cannot use the cache directory /x", ExitStatus.cannotRun, { cause });
  t.equal(error.message, "cannot use the cache directory /x");
  t.equal(error.exitStatus, 126);
  t.equal(error.cause, cause);
  t.equal(error.name, "ToolError");
  t.equal(new ToolError("bad option").exitStatus, ExitStatus.toolFailure);
});

t.test("isToolError knows ToolErrors, from this copy of the module or another", async (t) => {
  const other = (await import(`../../src/run/tool-error.js?copy=${Date.now()}`)) as typeof import("../../src/run/tool-error.js");
  t.not(other.ToolError, ToolError, "a second copy of the module, as the on-demand bundle has");
  t.ok(isToolError(new ToolError("here")));
  t.ok(isToolError(new other.ToolError("there")));
  t.ok(other.isToolError(new ToolError("here")));
});

t.test("isToolError refuses everything else", async (t) => {
  const lookalike = Object.assign(new Error("x"), { name: "ToolError", exitStatus: 125 });
  for (const value of [new Error("x"), lookalike, { exitStatus: 125 }, "ToolError", null, undefined, 125]) t.notOk(isToolError(value));
});
