// Tests for src/sandbox/script-interpreter.ts: the interpreter on a #! line, as the kernel reads it.
import { join } from "node:path";
import t from "tap";
import { scriptInterpreter } from "../../src/sandbox/script-interpreter.js";

t.test("the first word after #!", async (t) => {
  const dir = t.testdir({
    plain: "#!/bin/sh\necho\n",
    args: "#!/usr/bin/env python3 -u\n",
    spaced: "#! \t/bin/bash  -e\n",
    noNewline: "#!/bin/dash",
    relative: "#!interp\n",
    empty: "#!\n",
    binary: "\x7fELF\x02\x01",
    text: "echo no shebang\n",
    tooShort: "#",
    none: "",
  });
  const cases: Array<[string, string | undefined]> = [
    ["plain", "/bin/sh"],
    ["args", "/usr/bin/env"],
    ["spaced", "/bin/bash"],
    ["noNewline", "/bin/dash"],
    ["relative", "interp"],
    ["empty", undefined],
    ["binary", undefined],
    ["text", undefined],
    ["tooShort", undefined],
    ["none", undefined],
    ["missing-file", undefined],
  ];
  for (const [name, expected] of cases) t.equal(scriptInterpreter(join(dir, name)), expected, name);
});
