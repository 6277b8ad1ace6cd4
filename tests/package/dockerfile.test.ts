/**
 * The Dockerfile cannot be built on this machine (no image registry is reachable and no Docker
 * daemon runs), so what can be checked without building is checked: it starts from the official
 * Node image of the version the package supports, copies only files that exist, installs the
 * package the way the install test does, and its default command is a valid gateway command line.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseFlags } from '../../src-server/config/flags.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = fs.readFileSync(`${root}Dockerfile`, 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => /^[A-Z]+ /.test(l));

describe('Dockerfile of the headless gateway', { tags: ['X10'] }, () => {
  test('builds on the official Node image and installs the packed package with production dependencies', () => {
    const from = instructions.filter((l) => l.startsWith('FROM '));
    expect(from.length).toBe(2);
    for (const f of from) expect(f).toMatch(/^FROM node:20-[a-z]+-slim\b/);
    expect(dockerfile).toContain('npm pack');
    expect(dockerfile).toContain('npm install --omit=dev');
    expect(dockerfile).toContain('"allowScripts":{"better-sqlite3":true}');
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  test('copies only files that exist', () => {
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(fs.existsSync(`${root}${source}`), source).toBe(true);
    }
  });

  test('its entry point and default command are a valid gateway command line', () => {
    const json = (keyword: string): string[] =>
      JSON.parse(instructions.find((l) => l.startsWith(`${keyword} `))?.slice(keyword.length + 1) ?? '[]') as string[];
    const entry = json('ENTRYPOINT');
    expect(entry.slice(-2)).toEqual(['/app/node_modules/responses-studio/bin/responses-studio.js', 'gateway']);
    const { config, explicit } = parseFlags(json('CMD'));
    expect(config.host).toBe('0.0.0.0');
    expect(explicit.has('host')).toBe(true);
    expect(config.dataDir).toBe('/data');
  });
});
