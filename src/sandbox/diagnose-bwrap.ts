// Explains why bwrap could not set a sandbox up, so the one-line error can name the fix.
import { spawn } from "node:child_process";

/** Probes whether `bwrap` can create the namespaces it needs; returns a hint, or "" when it can. */
export async function diagnoseBwrap(bwrap: string, env: NodeJS.ProcessEnv): Promise<string> {
  const stderr = await new Promise<string>((resolve) => {
    const probe = spawn(bwrap, ["--unshare-all", "--ro-bind", "/", "/", "true"], { env, stdio: ["ignore", "ignore", "pipe"] });
    let text = "";
    probe.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    probe.on("error", () => resolve("spawn failed"));
    probe.on("close", (code) => resolve(code === 0 ? "" : text || `exit ${code}`));
  });
  if (stderr === "") return "";
  if (/namespace|uid map|Operation not permitted|Permission denied|setuid/i.test(stderr)) {
    return "user namespaces are not available here; where the command is already sandboxed, use --sandbox none";
  }
  return "";
}
