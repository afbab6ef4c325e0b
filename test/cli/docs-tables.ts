// README.md and the man page carry the policy and option tables exactly as the code renders them.
// Run with UPDATE_DOCS=1 to rewrite the marked sections after changing a table.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import t from "tap";
import { optionsMarkdown, optionsMdoc, policyMarkdown, policyMdoc } from "../../src/cli/docs-tables.js";
import { METHOD_TABLE } from "../../src/policy/method-table.js";
import { OPTION_TABLE } from "../../src/cli/option-table.js";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));
const MAN = fileURLToPath(new URL("../../man/bst-cas-run.1", import.meta.url));

const sections = [
  { file: README, name: "policy-table", render: policyMarkdown, open: "<!-- policy-table:start -->", close: "<!-- policy-table:end -->" },
  { file: README, name: "options-table", render: optionsMarkdown, open: "<!-- options-table:start -->", close: "<!-- options-table:end -->" },
  { file: MAN, name: "policy-table", render: policyMdoc, open: '.\\" policy-table:start', close: '.\\" policy-table:end' },
  { file: MAN, name: "options-table", render: optionsMdoc, open: '.\\" options-table:start', close: '.\\" options-table:end' },
];

for (const section of sections) {
  t.test(`${section.file.split("/").pop()} ${section.name} is in step with the code`, async (t) => {
    const text = await readFile(section.file, "utf8");
    const start = text.indexOf(section.open);
    const end = text.indexOf(section.close);
    t.ok(start >= 0 && end > start, "the markers are there");
    const current = text.slice(start + section.open.length, end).trim();
    const wanted = section.render();
    if (process.env["UPDATE_DOCS"] === "1" && current !== wanted) {
      await writeFile(section.file, `${text.slice(0, start + section.open.length)}\n${wanted}\n${text.slice(end)}`);
      t.pass("rewritten");
      return;
    }
    t.equal(current, wanted, "run UPDATE_DOCS=1 npx tap test/cli/docs-tables.ts to update");
  });
}

t.test("the renderings cover every row of the tables", async (t) => {
  const markdown = policyMarkdown();
  for (const rule of METHOD_TABLE) t.match(markdown, rule.method, `${rule.service}/${rule.method}`);
  const options = optionsMarkdown();
  for (const row of OPTION_TABLE) {
    t.match(options, row.flag);
    t.match(options, row.env);
  }
});
