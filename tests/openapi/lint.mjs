// The openapi_lint test: `redocly lint` of the service's OpenAPI document with the rules of
// redocly.yaml (Redocly's recommended set), failing on any problem, warnings included: redocly
// itself exits non-zero on errors only, so it reports in JSON here and this script counts.
//
//   node lint.mjs [--usertasks BINARY] DOCUMENT
//
// With --usertasks, DOCUMENT is first written by `BINARY openapi`. USERTASKS_NODE_MODULES is the
// node_modules directory that `npm ci` filled from package-lock.json.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { usertasks: { type: "string" } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error("usage: node lint.mjs [--usertasks BINARY] DOCUMENT");
  process.exit(2);
}
const [document] = positionals;
const nodeModules = process.env.USERTASKS_NODE_MODULES ?? "node_modules";
const config = fileURLToPath(new URL("redocly.yaml", import.meta.url));

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { encoding: "utf8", env, maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  return result;
}

if (values.usertasks) {
  const generated = run(values.usertasks, ["openapi"]);
  if (generated.status !== 0) {
    console.error(`${values.usertasks} openapi exited ${generated.status}:\n${generated.stderr}`);
    process.exit(1);
  }
  writeFileSync(document, generated.stdout);
}

// No usage report and no check for a newer version: the test asks no host for anything.
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
// --lint-config=error: a mistake in redocly.yaml fails the test instead of being warned about.
const redocly = join(nodeModules, "@redocly", "cli", "bin", "cli.js");
const lint = run(
  process.execPath,
  [redocly, "lint", document, "--config", config, "--format=json", "--max-problems=1000",
   "--lint-config=error"],
  env,
);
let report;
try {
  report = JSON.parse(lint.stdout);
} catch {
  // No report: redocly itself failed (a bad config, an unreadable document); show all it said.
  console.error(`redocly lint exited ${lint.status} without a report:`);
  console.error(lint.stdout + lint.stderr);
  process.exit(1);
}

const { errors, warnings } = report.totals;
const what = `${document} (redocly ${report.version}, ${config})`;
if (errors + warnings === 0) {
  console.log(`openapi_lint: no error, no warning in ${what}`);
  process.exit(0);
}
const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
console.log(`openapi_lint: ${count(errors, "error")}, ${count(warnings, "warning")} in ${what}\n`);
const width = Math.max(...report.problems.map((p) => p.ruleId.length));
for (const p of report.problems) {
  const where = p.location.map((l) => l.pointer).join(", ");
  console.log(`${p.severity.padEnd(5)}  ${p.ruleId.padEnd(width)}  ${where}`);
  console.log(`${" ".repeat(width + 9)}${p.message}`);
}
process.exit(1);
