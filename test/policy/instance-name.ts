// Tests for src/policy/instance-name.ts: only the served instance name passes.
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { checkInstanceName } from "../../src/policy/instance-name.js";

function refusalOf(requested: string, served: string): ConnectError | undefined {
  try {
    checkInstanceName(requested, served);
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  return undefined;
}

t.test("accepted: exactly the served name", async (t) => {
  const cases = ["", "main", "a/b/c", "with space", "ünïcödé"];
  for (const name of cases) {
    t.doesNotThrow(() => checkInstanceName(name, name), JSON.stringify(name));
  }
});

t.test("refused: anything else, PERMISSION_DENIED naming both names", async (t) => {
  const cases: Array<{ requested: string; served: string }> = [
    { requested: "other", served: "" },
    { requested: "", served: "main" },
    { requested: "Main", served: "main" },
    { requested: "main ", served: "main" },
    { requested: "main/", served: "main" },
    { requested: "/main", served: "main" },
    { requested: "main/sub", served: "main" },
    { requested: "a/b", served: "a/b/c" },
    { requested: "mai\u006e\u0301", served: "main" },
  ];
  for (const c of cases) {
    t.test(`${JSON.stringify(c.requested)} on ${JSON.stringify(c.served)}`, async (t) => {
      const error = refusalOf(c.requested, c.served);
      t.equal(error?.code, Code.PermissionDenied);
      t.equal(
        error?.rawMessage,
        `instance name ${JSON.stringify(c.requested)} is not served here; this socket serves ${JSON.stringify(c.served)}`,
      );
    });
  }
});

t.test("a long requested name is truncated in the message", async (t) => {
  const error = refusalOf("n".repeat(1000), "main");
  t.equal(error?.code, Code.PermissionDenied);
  t.equal(
    error?.rawMessage,
    `instance name ${JSON.stringify("n".repeat(117) + "...")} is not served here; this socket serves "main"`,
  );
});

t.test("a name of exactly 120 characters is shown whole", async (t) => {
  const name = "n".repeat(120);
  t.ok(refusalOf(name, "main")?.rawMessage.includes(JSON.stringify(name)));
});
