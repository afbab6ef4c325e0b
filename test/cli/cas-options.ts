// The client commands' command lines: what clipanion makes of them, and status 2 for those it cannot parse.
import t from "tap";
import { Cli } from "clipanion";
import { AcGetCommand } from "../../src/cli/ac-get-command.js";
import { AcPutCommand } from "../../src/cli/ac-put-command.js";
import { CapabilitiesCommand } from "../../src/cli/capabilities-command.js";
import { clientUsageStatus } from "../../src/cli/client-usage.js";
import { CasGetCommand } from "../../src/cli/cas-get-command.js";
import { CasMissingCommand } from "../../src/cli/cas-missing-command.js";
import { CasPutCommand } from "../../src/cli/cas-put-command.js";
import { createCli, loadCommands } from "../../src/cli/clipanion-cli.js";

const D = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/4";
const cli = createCli(await loadCommands());
const parse = (...argv: string[]) => cli.process(argv, Cli.defaultContext);

t.test("cas put", async (t) => {
  const command = parse("cas", "put", "--blob", "--json", "--server", "unix:/tmp/s.sock", "a", "b/");
  t.type(command, CasPutCommand);
  t.match(command, { blob: true, json: true, dryRun: false, server: "unix:/tmp/s.sock", instance: undefined, connectTimeout: undefined, inputs: ["a", "b/"] });
  t.match(parse("cas", "put", "--dry-run", "x"), { dryRun: true, blob: false, json: false, inputs: ["x"] });
  t.throws(() => parse("cas", "put"), "at least one PATH");
});

t.test("cas get", async (t) => {
  t.match(parse("cas", "get", D), { digest: D, tree: false, output: undefined });
  const tree = parse("cas", "get", "--tree", "-o", "out", "--instance", "main", D);
  t.type(tree, CasGetCommand);
  t.match(tree, { digest: D, tree: true, output: "out", instance: "main" });
  t.match(parse("cas", "get", "--output=o.bin", D), { output: "o.bin" });
  t.match(parse("cas", "get", "--connect-timeout", "2.5", D), { connectTimeout: "2.5" });
  t.throws(() => parse("cas", "get"), "DIGEST is required");
  t.throws(() => parse("cas", "get", D, D), "one DIGEST only");
});

t.test("cas missing, ac get, ac put, capabilities", async (t) => {
  const missing = parse("cas", "missing", D, D);
  t.type(missing, CasMissingCommand);
  t.match(missing, { digests: [D, D], json: false });
  t.type(parse("ac", "get", "--json", D), AcGetCommand);
  t.match(parse("ac", "get", "--json", D), { actionDigest: D, json: true });
  t.match(parse("ac", "put", D, "--result", "r.json"), { actionDigest: D, result: "r.json" });
  t.type(parse("ac", "put", D, "--result", "-"), AcPutCommand);
  t.throws(() => parse("ac", "put", D), "--result is required");
  t.type(parse("capabilities", "--json"), CapabilitiesCommand);
  t.throws(() => parse("capabilities", "extra"));
});

t.test("unparsable client command lines exit 2, others keep the tool's status", async (t) => {
  t.equal(clientUsageStatus(["cas", "get"]), 2);
  t.equal(clientUsageStatus(["ac"]), 2);
  t.equal(clientUsageStatus(["capabilities", "--bogus"]), 2);
  t.equal(clientUsageStatus(["store", "stats", "--bogus"]), undefined);
  t.equal(clientUsageStatus(["--bogus"]), undefined);
  t.equal(clientUsageStatus([]), undefined);
});
