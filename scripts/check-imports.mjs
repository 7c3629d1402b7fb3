// Lint rule for the import directions (see import-rules.mjs). Exits 1 listing every violation.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImport, importsOf, zoneOf } from './import-rules.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function* walk(dir) {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name === 'node_modules' || d.name === 'dist' || d.name.startsWith('.')) continue;
    const full = path.join(dir, d.name);
    if (d.isDirectory()) yield* walk(full);
    else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(d.name)) yield full;
  }
}

const problems = [];
let files = 0;
for (const top of ['shared', 'electron', 'renderer']) {
  for (const file of walk(path.join(root, top))) {
    const rel = path.relative(root, file);
    if (zoneOf(rel) === null) continue;
    files++;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const reason = checkImport(rel, spec);
      if (reason) problems.push(`${rel}: ${reason}`);
    }
  }
}
if (problems.length > 0) {
  console.error(`Import directions violated (${problems.length}):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`import directions ok (${files} files)`);
