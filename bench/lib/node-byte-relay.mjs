// A byte relay written for Node, as plain as one can be: each connection piped to a new one to the
// target, both ways, with no HTTP/2 or gRPC parsing. What it costs is the floor of any proxy that
// runs on Node, set beside socat's and the proxy's. Prints "ready" once it listens.
//
//   node bench/lib/node-byte-relay.mjs SOCKET TARGET_SOCKET
import { rmSync } from "node:fs";
import { connect, createServer } from "node:net";

const [socketPath, target] = process.argv.slice(2);

const relay = createServer((down) => {
  const up = connect(target);
  down.pipe(up);
  up.pipe(down);
  down.once("error", () => up.destroy());
  up.once("error", () => down.destroy());
});
rmSync(socketPath, { force: true });
relay.listen(socketPath, () => process.stdout.write("ready\n"));
process.once("SIGTERM", () => process.exit(0));
