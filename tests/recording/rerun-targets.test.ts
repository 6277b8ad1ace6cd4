/**
 * Re-run sends recorded prompts to configured targets only: "self" (this gateway, from its own
 * listening address — never from the Host header) or a target the host configured by id. A URL in
 * the request is a 400 naming it; an unreachable target is a 502, never a 500.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachment } from '../../src-server/http/download.js';
import type { RerunTargetResolver } from '../../src-server/recording/rerun.js';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording, tempDir } from './helpers.js';

let other: GatewayHarness;
let h: GatewayHarness;
let store: RecordingsStore;
const targets: RerunTargetResolver = {
  ids: () => ['other', 'gone'],
  resolve: (id) => (id === 'other' ? { baseUrl: other.url } : id === 'gone' ? { baseUrl: 'http://127.0.0.1:1' } : null),
};
beforeAll(async () => {
  other = await startGateway({ record: 'on', logLevel: 'warn' });
  h = await startGateway({ record: 'on', logLevel: 'warn' }, { rerunTargets: targets });
  store = h.gateway.recording?.recordings as RecordingsStore;
});
afterAll(async () => {
  await h.close();
  await other.close();
});

async function recorded(input: string): Promise<string> {
  const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input }, FAST);
  await res.text();
  return (await finishedRecording(store, res.headers.get('x-request-id') as string)).id;
}

function rerun(id: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}/v1/recordings/${id}/rerun`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('re-run targets are configured, never taken from the request', { tags: ['X5', 'U6'] }, () => {
  test('a URL or headers in the body, an unknown or mistyped target: 400 naming the param', async () => {
    const id = await recorded('Where do I go?');
    for (const [body, param, code] of [
      [{ baseUrl: 'http://attacker.example' }, 'baseUrl', 'unsupported_parameter'],
      [{ baseUrl: 'not a url at all' }, 'baseUrl', 'unsupported_parameter'],
      [{ target: 'self', headers: { authorization: 'x' } }, 'headers', 'unsupported_parameter'],
      [{ target: 'http://attacker.example' }, 'target', 'invalid_value'],
      [{ target: 42 }, 'target', 'invalid_type'],
      [{ target: 'self', extra: 1 }, 'extra', 'unknown_parameter'],
    ] as [unknown, string, string][]) {
      const res = await rerun(id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: unknown }).error, JSON.stringify(body)).toMatchObject({ param, code });
    }
    const unknown = await rerun(id, { target: 'nope' });
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      "'self', 'other', 'gone'",
    );
  });

  test('"self" is this gateway, whatever the Host header says', async () => {
    const id = await recorded('Run me on myself');
    const port = Number(new URL(h.url).port);
    // Host names another (allowed) port: the re-run must still go to this gateway's own address.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/v1/recordings/${id}/rerun`,
          headers: { host: 'localhost:1', 'content-type': 'application/json' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{"target":"self"}');
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as { runs: string[]; diffs: { diff: { equal: boolean } }[] };
    expect(body.runs).toHaveLength(1);
    expect(body.diffs[0].diff.equal).toBe(true);
  });

  test('a configured target by id; an unreachable one is a 502, not a 500', async () => {
    const id = await recorded('Run me elsewhere');
    const res = await rerun(id, { target: 'other' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { runs: string[]; stored: string[] };
    // The other gateway recorded the run; this library keeps a copy.
    expect(body.stored).toHaveLength(1);
    await expect
      .poll(async () => (await other.gateway.recording?.recordings.list({ search: 'Run me elsewhere' }))?.total)
      .toBe(1);
    const gone = await rerun(id, { target: 'gone' });
    expect(gone.status).toBe(502);
    expect(((await gone.json()) as { error: unknown }).error).toMatchObject({
      type: 'server_error',
      code: 'rerun_target_unreachable',
    });
  });
});

describe('export file names', { tags: ['X5', 'U6'] }, () => {
  test('Content-Disposition is built safely (RFC 6266), whatever the id', async () => {
    expect(attachment('rec_abc.jsonl')).toBe(`attachment; filename="rec_abc.jsonl"; filename*=UTF-8''rec_abc.jsonl`);
    const evil = attachment('a"\r\nSet-Cookie: x=1; ünï\ud800.jsonl');
    expect(evil).not.toMatch(/[\r\n]/);
    expect(evil).toContain('filename="a___Set-Cookie__x_1___n__.jsonl"');
    expect(evil).toContain("filename*=UTF-8''a%22%0D%0ASet-Cookie%3A%20x%3D1%3B%20%C3%BCn%C3%AF%EF%BF%BD.jsonl");
    // No name starting with a dot (hidden files, '..').
    expect(attachment('..')).toMatch(/^attachment; filename="_"; /);

    const id = await recorded('Export me');
    const res = await fetch(`${h.url}/v1/recordings/${id}/export`);
    expect(res.headers.get('content-disposition')).toBe(attachment(`${id}.jsonl`));
    // A CR/LF in the id is a 404 like any unknown id, never a 500.
    const crlf = await fetch(`${h.url}/v1/recordings/a%0D%0Ab/export`);
    expect(crlf.status).toBe(404);
  });
});

describe('CLI rerun', { tags: ['X5', 'U6'] }, () => {
  test('--target must be an http(s) URL: a clear usage error, exit 2', async () => {
    const dir = tempDir('rs-cli-rerun-');
    try {
      const file = path.join(dir, 'session.jsonl');
      const exported = await fetch(`${h.url}/v1/recordings/${await recorded('CLI re-run')}/export`);
      fs.writeFileSync(file, await exported.text());
      const bin = fileURLToPath(new URL('../../bin/responses-studio.js', import.meta.url));
      const run = (args: string[]) =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, 'rerun', file, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (c: Buffer) => (err += c.toString()));
          child.on('exit', (code) => resolve({ code, err }));
        });
      const bad = await run(['--target', 'not a url']);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--target must be an http(s) URL');
      expect((await run(['--target', 'file:///etc/passwd'])).code).toBe(2);
      const ok = await run(['--target', other.url, '--header', 'x-responses-extensions: off']);
      expect(ok.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
