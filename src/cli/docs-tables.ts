// Renders the policy and option tables for README.md and the man page, so the docs follow the code.
import { METHOD_TABLE, POLICY_FLAG_NAMES, type MethodRule } from "../policy/method-table.js";
import { OPTION_TABLE } from "./option-table.js";

/** The policy as a Markdown table: one row per service, methods grouped by answer. */
export function policyMarkdown(): string {
  const lines = ["| service | method | answer | why |", "| --- | --- | --- | --- |"];
  for (const group of groupRules()) {
    lines.push(`| \`${group.service}\` | ${group.methods.map((method) => `\`${method}\``).join(", ")} | ${answerOf(group.rule)} | ${group.rule.reason} |`);
  }
  lines.push("| any other | any | UNIMPLEMENTED | not part of the REAPI surface |");
  return lines.join("\n");
}

/** The options as a Markdown table. */
export function optionsMarkdown(): string {
  const lines = ["| option | variable | default | meaning |", "| --- | --- | --- | --- |"];
  for (const row of OPTION_TABLE) {
    const flag = row.arg !== undefined ? `${row.flag} ${row.arg}` : row.flag;
    lines.push(`| \`${flag}\` | \`${row.env}\` | ${row.defaultText || "-"} | ${row.description.replace(/\|/g, "\\|")} |`);
  }
  return lines.join("\n");
}

/** The policy as mdoc list items for the man page. */
export function policyMdoc(): string {
  const lines = [".Bl -tag -width Ds"];
  for (const group of groupRules()) {
    lines.push(`.It Li ${group.service}`);
    lines.push(`${group.methods.join(", ")}: ${answerOf(group.rule).replace(/`/g, "")}.`);
    if (group.rule.reason !== "") lines.push(`${capitalize(group.rule.reason)}.`);
  }
  lines.push(".El");
  return lines.join("\n");
}

/** The options as mdoc list items for the man page. */
export function optionsMdoc(): string {
  const lines = [".Bl -tag -width Ds"];
  for (const row of OPTION_TABLE) {
    const flag = row.flag.replace(/^--/, "");
    lines.push(row.arg !== undefined ? `.It Fl -${flag} Ar ${row.arg}` : `.It Fl -${flag}`);
    lines.push(`${capitalize(row.description.replace(/`/g, ""))}.`);
    lines.push("Also set by", `.Ev ${row.env} .`);
    if (row.defaultText !== "") lines.push(`Default: ${row.defaultText.replace(/`/g, "")}.`);
  }
  lines.push(".El");
  return lines.join("\n");
}

interface RuleGroup {
  readonly service: string;
  readonly rule: MethodRule;
  readonly methods: string[];
}

function groupRules(): RuleGroup[] {
  const groups: RuleGroup[] = [];
  for (const rule of METHOD_TABLE) {
    const last = groups.at(-1);
    if (last !== undefined && last.service === rule.service && last.rule.decision === rule.decision && last.rule.reason === rule.reason) {
      last.methods.push(rule.method);
    } else {
      groups.push({ service: rule.service, rule, methods: [rule.method] });
    }
  }
  return groups;
}

function answerOf(rule: MethodRule): string {
  switch (rule.decision) {
    case "allow":
      return "served";
    case "flag":
      return `PERMISSION_DENIED unless \`${rule.flag !== undefined ? POLICY_FLAG_NAMES[rule.flag] : "?"}\``;
    case "refuse":
      return "PERMISSION_DENIED";
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
