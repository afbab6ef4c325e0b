// Renders BENCHMARKS.md from one run's results.
import { ratio, seconds, size, throughput } from "./format.mjs";

function goalText(row) {
  if (row.goal === undefined) return "—";
  if (row.ratioNote === "of 150 MiB") return "under 150 MiB";
  return `${row.goal.better === "lower" ? "at most" : "at least"} ${row.goal.limit.toFixed(2)} x`;
}

function spreadText(spread) {
  if (spread === undefined || spread.n < 2) return "—";
  return `${spread.p25.toFixed(2)}–${spread.p75.toFixed(2)} (${spread.min.toFixed(2)}–${spread.max.toFixed(2)})`;
}

function verdictText(verdict) {
  return verdict === "info" ? "info" : `**${verdict}**`;
}

/** Median CPU seconds per server, as "serve 3.21 s + casd 1.02 s". */
function cpuText(cpu) {
  if (cpu === undefined) return "—";
  return Object.entries(cpu).map(([role, value]) => `${role} ${seconds(value)}`).join(" + ");
}

function cell(text) {
  return String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A row's ratio, with a third decimal where two would round it onto its goal's limit. */
function goalRatio(row) {
  const text = ratio(row.ratio);
  return row.goal !== undefined && text === ratio(row.goal.limit) && row.ratio !== row.goal.limit ? `${row.ratio.toFixed(3)} x` : text;
}

function table(head, rows) {
  return [`| ${head.map(cell).join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

/** The report as Markdown; `notes` (bench/NOTES.md) is appended when given. */
export function renderReport(results, notes) {
  const { scale, machine } = results;
  const out = [];
  out.push("# Benchmarks", "");
  out.push(
    `Measured by \`npm run bench\` (bench/run.mjs) on ${machine.date}, scale \`${scale.name}\`; the whole run took ` +
      `${(results.totalSeconds / 60).toFixed(1)} min. Every figure is set beside the anchor it is compared to, both ` +
      "measured in this same run with their runs interleaved. Regenerate with `npm run bench`; " +
      "`npm run bench:smoke` runs the same harness at toy sizes in well under a minute.",
    "",
  );
  if (scale.name !== "full") out.push("> **Smoke scale: tiny sizes and 2 runs. These figures only show the harness works; they mean nothing.**", "");

  out.push("## Summary", "");
  out.push(
    "Each round runs every compared command once, back to back, and gives one ratio: of times for latencies " +
      "(lower is better), of throughputs for transfers (higher is better). The ratio column is the median of those " +
      "per-round ratios, so that each compares runs made under the same load (the figures beside it are each " +
      "command's own median, and their quotient can differ when the machine's speed changed during the runs); the " +
      "spread column gives their interquartile range, then min–max. The last column sets the CPU time the servers " +
      "used per run (bst-cas-run's, and casd's behind it) against the anchor's servers', from the same runs: on this " +
      "shared two-core machine that ratio moves much less with the load than wall time does.",
    "",
  );
  out.push(
    table(
      ["#", "figure", "bst-cas-run", "compared to (same run)", "ratio", "per-round ratio: IQR (min–max)", "goal", "verdict", "server CPU per run (÷ anchor's)"],
      results.rows.map((row, index) => [
        String(index + 1),
        row.figure,
        row.value,
        row.anchor,
        `${goalRatio(row)}${row.ratioNote ? ` (${row.ratioNote})` : ""}`,
        spreadText(row.spread),
        goalText(row),
        verdictText(row.verdict),
        row.cpu === undefined ? "—" : `${ratio(row.cpu.ratio)}: ${row.cpu.text}`,
      ]),
    ),
    "",
  );

  out.push("## How the figures were taken", "");
  out.push(
    table(
      ["", ""],
      [
        ["date", machine.date],
        ["CPU", `${machine.cpu}, nproc ${machine.nproc}`],
        ["memory", machine.memory],
        ["kernel", machine.kernel],
        ["load average (1, 5, 15 min) at start / end", `${machine.loadStart} / ${machine.loadEnd}`],
        ["node", machine.node],
        ["bubblewrap", machine.bwrap],
        ["buildbox", machine.buildbox],
        ["socat", machine.socat],
        ["measured", machine.project],
        ["runs", `fixed cost ${scale.fixedRuns}, recc hits ${scale.reccRuns} (end to end ${scale.reccEndToEndRuns}), ${size(scale.bigBytes)} transfers ${scale.bigRuns}, small blobs ${scale.treeRuns}, peak RSS 1`],
      ],
    ),
    "",
  );
  out.push(
    [
      "- The machine is shared and noisy. The compared commands run interleaved: in each round every command runs once, " +
        "in an order rotated from round to round, after one or two untimed warm-up rounds. Times are wall-clock, from " +
        "spawn to exit, of the whole client process (bwrap included).",
      "- **The sandbox shape.** Every client command (recc, casupload, casdownload), whatever it talks to, runs as " +
        "`bwrap --ro-bind ROOT / --dev /dev --proc /proc --tmpfs /tmp --tmpfs /run --bind DIR /src --bind SOCKET /run/reapi.sock " +
        "--unshare-all --die-with-parent --chdir /src` with the environment bst-cas-run gives with `--clearenv` " +
        "(PATH=/usr/local/bin:/usr/bin:/bin and the RECC_* variables naming unix:/run/reapi.sock): the shape " +
        "`bst-cas-run --root ROOT --bind DIR:/src --chdir /src --clearenv` builds. ROOT is the Debian sid root with " +
        "buildbox (test/interop/build-root.sh). Only the socket behind /run/reapi.sock changes.",
      "- **The servers** run for the whole section, warm: buildbox-casd as " +
        "`bwrap --ro-bind ROOT / --dev /dev --proc /proc --tmpfs /tmp --tmpfs /run --bind SOCKDIR /run/sock --bind CACHEDIR /run/cache " +
        "--die-with-parent -- buildbox-casd --bind=unix:/run/sock/casd.sock --log-level=warning /run/cache`; " +
        "`bst-cas-run serve --socket S --cache-dir STORE` (embedded; the same server `bst-cas-run -- cmd` starts) and " +
        "`bst-cas-run serve --socket S --remote unix:casd.sock` (proxied); `socat -b 131072 UNIX-LISTEN:relay.sock,fork UNIX-CONNECT:casd.sock`; " +
        "for the big blob, also a byte relay written for Node (bench/lib/node-byte-relay.mjs: each connection piped to casd, " +
        "both ways, nothing parsed), the floor of any proxy that runs on Node. " +
        "Rows marked end to end run `bst-cas-run … -- recc …` whole, starting and stopping its server every time.",
      "- **Fresh content.** Every upload run writes new pseudo-random content (AES-CTR keystream seeded by run, command and " +
        "round) so the upload is real; re-uploading the same tree is reported separately as \"all present\". Inputs live on " +
        "a tmpfs (/dev/shm) and downloads go to the sandbox's tmpfs /tmp, so only the stores touch the disk; `sync` runs " +
        "(untimed) before every upload so one run's writeback does not land in the next. Brand-new stores are " +
        `warmed with ${scale.warmupBlobs} small blobs before the small-blob runs.`,
      "- **Server CPU** is user + system time the server processes used during a timed command (from /proc/PID/stat, " +
        "in 10 ms ticks, read before and 100 ms after): a figure the machine's load disturbs less than wall time. " +
        "For the relay, socat's time counts only once its per-connection child is reaped.",
      "- **Peak RSS** is VmHWM of a fresh `bst-cas-run serve` process (one node process) read from /proc/PID/status after a " +
        "casupload and a casdownload of one blob through it.",
      "- The sections ran in this order, each with its own servers' state: " +
        results.sections.map((section) => `${section.id} ${seconds(section.seconds ?? NaN)}`).join(", ") + ".",
    ].join("\n"),
    "",
  );

  out.push("## Details", "");
  for (const section of results.sections) {
    out.push(`### ${section.title}`, "");
    out.push(section.commands.map((command) => `- ${command}`).join("\n"), "");
    if (section.lines) {
      const withThroughput = section.lines.some((line) => line.bytes !== undefined);
      const withCpu = section.lines.some((line) => line.cpu !== undefined);
      out.push(
        table(
          ["command", "runs", "median", "p25–p75", "min–max", ...(withThroughput ? ["throughput at median"] : []), ...(withCpu ? ["server CPU per run (mean)"] : [])],
          section.lines.map((line) => [
            line.label,
            String(line.n),
            seconds(line.median),
            `${seconds(line.p25)}–${seconds(line.p75)}`,
            `${seconds(line.min)}–${seconds(line.max)}`,
            ...(withThroughput ? [throughput(line.bytes, line.median)] : []),
            ...(withCpu ? [cpuText(line.cpu)] : []),
          ]),
        ),
        "",
      );
    }
    if (section.table) out.push(table(section.table.head, section.table.rows), "");
    if (section.extra) out.push(section.extra.map((text) => `- ${text}`).join("\n"), "");
  }

  if (notes !== undefined) out.push(notes.trim(), "");
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trim()}\n`;
}
