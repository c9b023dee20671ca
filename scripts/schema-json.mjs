#!/usr/bin/env node
// Writes python/attention_plot/schema.json from PLAYGROUND in web/js/state/schema.js (and
// <attention-head>'s HEAD in model-schema.js), so the
// Python package validates with the same names, ranges and defaults as the codec without
// a hand-made copy. The file is committed (the package works from a plain checkout);
// tests/python checks it is current with --check.
//
//   node scripts/schema-json.mjs           rewrite the file
//   node scripts/schema-json.mjs --check   exit 1, naming the difference, if it is stale
//   ... --file PATH                       another file to write or check (tests)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLAYGROUND } from '../web/js/state/schema.js';
import { HEAD } from '../web/js/state/model-schema.js';
import { kebab } from '../web/js/state/codec.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--file');
const file = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'python/attention_plot/schema.json');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

// Plain data only: cross-field rules (settle, enabledWhen) stay with the element, which
// applies them to the attributes and names what it changed.
function plainFields(table) {
  const fields = {};
  for (const [name, f] of Object.entries(table.fields)) {
    const { type, min, max, def, precision, values, maxCount, count, label } = f;
    fields[name] = Object.fromEntries(Object.entries({
      type, min, max, def, precision, values, maxCount, count, label, attribute: kebab(name),
    }).filter(([, v]) => v !== undefined));
  }
  return fields;
}
const text = `${JSON.stringify({
  generatedFrom: 'web/js/state/schema.js PLAYGROUND and model-schema.js HEAD by scripts/schema-json.mjs; do not edit',
  package: { name: pkg.name, version: pkg.version },
  name: PLAYGROUND.name,
  version: PLAYGROUND.version,
  fields: plainFields(PLAYGROUND),
  // <attention-head>'s attributes (HeadPlot, AttentionPlot.from_tensors)
  head: { name: HEAD.name, version: HEAD.version, fields: plainFields(HEAD) },
}, null, 2)}\n`;

if (process.argv.includes('--check')) {
  let old = '';
  try { old = readFileSync(file, 'utf8'); } catch { /* missing counts as stale */ }
  if (old !== text) {
    const a = old.split('\n'), b = text.split('\n');
    const i = b.findIndex((line, k) => line !== a[k]);
    console.error(`schema-json: ${path.relative(root, file)} is stale: line ${i + 1} is \`${(a[i] ?? '').trim()}\` ` +
      `but web/js/state/schema.js gives \`${(b[i] ?? '').trim()}\`. Run node scripts/schema-json.mjs to rewrite it.`);
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
}
