import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseJsonl } from '../../src-server/shared/recording-format/format.js';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording, tempDir } from './helpers.js';

const bin = fileURLToPath(new URL('../../bin/responses-studio.js', import.meta.url));
const BACKEND_KEY = 'sk-backend-SECRET-1111';
const GATEWAY_KEY = 'gw-key-SECRET-2222';
const CLIENT_KEY = 'client-SECRET-3333';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

let h: GatewayHarness;
let dataDir: string;
let outDir: string;
let store: RecordingsStore;
beforeAll(async () => {
  dataDir = tempDir('rs-redact-');
  outDir = tempDir('rs-redact-out-');
  h = await startGateway({
    record: 'on',
    dataDir,
    backendApiKey: BACKEND_KEY,
    apiKeys: [GATEWAY_KEY],
    logLevel: 'warn',
  });
  store = h.gateway.recording?.recordings as RecordingsStore;
});
afterAll(async () => {
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
});

describe('recording redaction and the responses-studio CLI (record/replay)', () => {
  test('no configured or client key appears in any exported file (JSON Lines and HAR)', async () => {
    const headers = { ...FAST, authorization: `Bearer ${GATEWAY_KEY}`, 'x-note': `backend ${BACKEND_KEY}` };
    const ids: string[] = [];
    for (const stream of [true, false]) {
      const res = await postJson(
        `${h.url}/v1/responses`,
        {
          model: 'sim-chat',
          input: `My keys are ${BACKEND_KEY}, ${GATEWAY_KEY} and ${CLIENT_KEY}.`,
          metadata: { k: GATEWAY_KEY },
          stream,
        },
        { ...headers, 'api-key': CLIENT_KEY },
      );
      expect(res.status).toBe(200);
      // The simulator quotes the input: the keys are in the live answer, so the events are redacted too.
      expect(await res.text()).toContain(BACKEND_KEY);
      ids.push((await finishedRecording(store, res.headers.get('x-request-id') as string)).id);
    }
    const jsonl = await cli(['export', '--data-dir', dataDir, '--all', '--out', outDir]);
    const har = await cli(['export', '--data-dir', dataDir, '--all', '--out', outDir, '--format', 'har']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    expect(har.code, har.stderr).toBe(0);
    const files = fs.readdirSync(outDir);
    expect(files.filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.har'))).toHaveLength(2);
    for (const f of files) {
      const text = fs.readFileSync(path.join(outDir, f), 'utf8');
      for (const secret of [BACKEND_KEY, GATEWAY_KEY, CLIENT_KEY])
        expect(text, `${f} leaks ${secret}`).not.toContain(secret);
      expect(text).toContain('[REDACTED]');
    }
    const exported = parseJsonl(
      fs.readFileSync(path.join(outDir, files.find((f) => f.endsWith('.jsonl')) as string), 'utf8'),
    );
    expect(exported.runs[0].request.headers.authorization).toBe('[REDACTED]');
    expect(ids.every((id) => files.some((f) => f.startsWith(store.getSummary(id)?.sessionId as string)))).toBe(true);
  });

  test('import adds files to another store; diff compares two files and exits 1 on a difference', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'Diff me', stream: true },
      {
        ...FAST,
        authorization: `Bearer ${GATEWAY_KEY}`,
      },
    );
    expect(res.status).toBe(200);
    await res.text();
    const summary = await finishedRecording(store, res.headers.get('x-request-id') as string);
    const single = tempDir('rs-cli-one-');
    try {
      expect((await cli(['export', '--data-dir', dataDir, '--id', summary.id, '--out', single])).code).toBe(0);
      const [name] = fs.readdirSync(single);
      const file = path.join(single, name);
      const other = path.join(single, 'imported');
      const imported = await cli(['import', file, '--data-dir', other]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain(summary.id);

      const same = await cli(['diff', file, file]);
      expect(same.code).toBe(0);
      expect(same.stdout).toContain('equal: yes');
      // The same run without its output_text.done event: what a forgetful server sends.
      const broken = path.join(single, 'broken.jsonl');
      const lines = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !l.includes('"type":"response.output_text.done"'));
      fs.writeFileSync(broken, lines.join('\n'));
      const differs = await cli(['diff', file, broken]);
      expect(differs.code, differs.stdout + differs.stderr).toBe(1);
      expect(differs.stdout).toContain('missing in B: response.output_text.done');
    } finally {
      fs.rmSync(single, { recursive: true, force: true });
    }
  });

  test('--help lists every verb; a usage error exits 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const verb of ['gateway', 'record', 'replay', 'diff', 'export', 'import'])
      expect(help.stdout).toContain(`  ${verb} `);
    expect((await cli(['export', '--all'])).code).toBe(2);
  });
});
