#!/usr/bin/env node
// The `modelshelf` command. The TypeScript sources are bundled into dist/ by `npm run build`
// (which `npm install` runs through the prepare script).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.cjs');
if (!fs.existsSync(cli)) {
  process.stderr.write('modelshelf: not built yet. Run: npm run build\n');
  process.exit(1);
}
require(cli);
