// A `node --import` probe: when the process exits it writes to stderr which of the optional
// database clients (pg, ioredis) were loaded. Both are CommonJS, so an ESM import of either lands
// in the CommonJS module cache this reads.
import { createRequire } from 'node:module';
import process from 'node:process';

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(cache)) {
    const match = /[\\/]node_modules[\\/](pg|ioredis)[\\/]/.exec(file);
    if (match) names.add(match[1]);
  }
  process.stderr.write(`optional clients loaded: ${JSON.stringify([...names].sort())}\n`);
});
