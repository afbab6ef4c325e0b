// Tests for src/sandbox/recc-environment.ts: the variables a sandboxed recc sees, updates off and on.
import t from "tap";
import { OWNED_ENV_VARS, reccEnvironment, SOCKET_ENV_VAR } from "../../src/sandbox/recc-environment.js";

t.test("exact environments", async (t) => {
  const cases: Array<{ name: string; socketPath: string; instanceName: string; update: boolean; extra: Record<string, string> }> = [
    { name: "updates off", socketPath: "/run/reapi.sock", instanceName: "main", update: false, extra: {} },
    { name: "updates on", socketPath: "/run/reapi.sock", instanceName: "main", update: true, extra: { RECC_CACHE_UPLOAD_LOCAL_BUILD: "1" } },
    { name: "empty instance, updates off", socketPath: "/tmp/s", instanceName: "", update: false, extra: {} },
    { name: "nested instance, updates on", socketPath: "/tmp/a b/s", instanceName: "a/b", update: true, extra: { RECC_CACHE_UPLOAD_LOCAL_BUILD: "1" } },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const env = reccEnvironment({ socketPath: c.socketPath, instanceName: c.instanceName, actionCacheUpdate: c.update });
      const server = `unix:${c.socketPath}`;
      t.strictSame(env, {
        RECC_SERVER: server,
        RECC_CAS_SERVER: server,
        RECC_ACTION_CACHE_SERVER: server,
        RECC_INSTANCE: c.instanceName,
        RECC_CAS_INSTANCE: c.instanceName,
        RECC_ACTION_CACHE_INSTANCE: c.instanceName,
        RECC_CACHE_ONLY: "1",
        RECC_DEPS_GLOBAL_PATHS: "1",
        REAPI_SOCKET: c.socketPath,
        ...c.extra,
      });
      if (!c.update) {
        t.notOk(Object.hasOwn(env, "RECC_CACHE_UPLOAD_LOCAL_BUILD"), "absent, not set to 0 or empty");
      }
    });
  }
});

t.test("SOCKET_ENV_VAR", async (t) => {
  t.equal(SOCKET_ENV_VAR, "REAPI_SOCKET");
});

t.test("every variable set, in either mode, is owned (scrubbed from the inherited env)", async (t) => {
  for (const update of [false, true]) {
    const env = reccEnvironment({ socketPath: "/run/s", instanceName: "i", actionCacheUpdate: update });
    for (const name of Object.keys(env)) t.ok(OWNED_ENV_VARS.includes(name), `${name} owned (update ${update})`);
  }
  t.ok(OWNED_ENV_VARS.includes("RECC_CACHE_UPLOAD_LOCAL_BUILD"), "an inherited upload flag is removed when off");
  t.equal(new Set(OWNED_ENV_VARS).size, OWNED_ENV_VARS.length, "no duplicates");
});
