/**
 * `npm run docs`: writes the generated documentation pages (scripts/docs/generate.ts) from the
 * code — flags, API reference, compatibility matrix. Run it after changing a flag, route, request
 * field, capability, event or error; the suite fails until the pages match.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generatedDocs, REPO_ROOT } from './docs/generate.js';

for (const [file, text] of Object.entries(await generatedDocs())) {
  const target = path.join(REPO_ROOT, file);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  fs.writeFileSync(target, text);
  process.stdout.write(`${before === text ? 'unchanged' : 'written  '} ${file}\n`);
}
