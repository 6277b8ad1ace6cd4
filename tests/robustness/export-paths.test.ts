/**
 * Ids in recording files name files on export: an imported session id `../../x` used to make
 * `responses-studio export --all --out DIR` write outside DIR. Ids are now checked on import (CLI
 * and HTTP) and export builds file names from sanitized ids, also for stores written before.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toJsonl, type RecordedRun } from '../../src-server/shared/recording-format/format.js';
import { openStore } from '../../src-server/store/index.js';
import { tempDir } from '../recording/helpers.js';
import { BIN } from '../support/gateway-process.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { recordedRun } from '../support/recorded-run.js';
import { expectError } from './helpers.js';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const EVENT = { seq: 0, offsetMs: 1, type: 'http.body', data: '{"object":"response","status":"completed"}' };
const fileWith = (run: Partial<RecordedRun>, sessionId: string | null = null): string =>
  toJsonl({ sessionId, exportedAt: '', runs: [recordedRun([EVENT], run)] });

const BAD: [string, string][] = [
  ['run sessionId', fileWith({ id: 'rec_ok1', sessionId: '../../x' })],
  ['header sessionId', fileWith({ id: 'rec_ok2' }, '../escape')],
  ['run id', fileWith({ id: '../../rec' })],
  ['responseId', fileWith({ id: 'rec_ok3', responseId: 'resp/../../x' })],
  ['requestId', fileWith({ id: 'rec_ok4', requestId: 'req\nforged' })],
  ['an id that is only dots', fileWith({ id: '..' })],
];

let work: string;
beforeAll(() => {
  work = tempDir('rs-export-paths-');
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('M7 ids are validated on import and never become paths', { tags: ['X7', 'U6'] }, () => {
  test.each(BAD)('CLI import refuses a bad %s and stores nothing', async (_what, text) => {
    const dataDir = fs.mkdtempSync(path.join(work, 'cli-'));
    const file = path.join(dataDir, 'bad.jsonl');
    fs.writeFileSync(file, text);
    const result = await cli(['import', file, '--data-dir', dataDir]);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(/line \d+: invalid \w+ .*: ids are 1-128 characters/);
    const store = openStore({ dataDir, sweepIntervalMs: 0, recoverInterrupted: false });
    try {
      expect(store.recordings.listRecordings().total).toBe(0);
    } finally {
      store.close();
    }
  });

  describe('HTTP import', () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await startGateway({ logLevel: 'warn', record: 'on' });
    });
    afterAll(() => h.close());

    test.each(BAD)('refuses a bad %s with a 400', async (_what, text) => {
      const res = await fetch(`${h.url}/v1/recordings/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: text,
      });
      const error = await expectError(res, 400, {
        type: 'invalid_request_error',
        code: 'invalid_value',
        param: 'body',
      });
      expect(error.message).toMatch(/^Not a recording file: line \d+: invalid/);
    });

    test('accepts the ids the gateway writes', async () => {
      const ok = fileWith({
        id: 'rec_0123abcd',
        sessionId: 'ses_0123abcd',
        responseId: 'resp_1',
        requestId: 'req-1.a:b',
      });
      const res = await fetch(`${h.url}/v1/recordings/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: ok,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ids: string[] }).ids).toEqual(['rec_0123abcd']);
    });
  });

  test('export --all of a store that already holds unsafe ids writes only inside --out, under sanitized names', async () => {
    const dataDir = fs.mkdtempSync(path.join(work, 'old-'));
    const out = path.join(work, 'nested', 'out');
    const store = openStore({ dataDir, sweepIntervalMs: 0 });
    // Written through the store API directly, as an import before the id rule would have.
    for (const [id, sessionId] of [
      ['rec_a', '../../x'],
      ['rec_b', '/etc/passwd'],
      ['rec_c', '..'],
      ['rec_d', '..\\..\\win'],
      ['rec_e', '../../x/'],
    ]) {
      const rid = store.recordings.startRecording({
        id,
        sessionId,
        request: { method: 'POST', path: '/v1/responses' },
      });
      store.recordings.finishRecording(rid, { status: 'completed', durationMs: 1 });
    }
    store.close();
    fs.mkdirSync(path.dirname(out));
    const before = new Set(fs.readdirSync(work));
    const result = await cli(['export', '--data-dir', dataDir, '--all', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const files = fs.readdirSync(out).sort();
    expect(files).toHaveLength(5);
    for (const f of files) expect(f).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*\.jsonl$/);
    // Every path the CLI printed is a file directly inside --out.
    for (const line of result.stdout.trim().split('\n')) expect(path.dirname(line)).toBe(path.resolve(out));
    // Nothing appeared next to (or above) the output folder.
    expect(new Set(fs.readdirSync(work))).toEqual(before);
    expect(fs.existsSync(path.join(work, 'x.jsonl'))).toBe(false);
  });
});
