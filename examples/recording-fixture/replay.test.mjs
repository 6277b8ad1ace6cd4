// A recording as a test fixture: `responses-studio replay` serves say-hello.jsonl as a backend with
// the recorded bytes, so this test of client code is deterministic and needs no gateway, model or
// GPU. Record your own with `responses-studio record` + `export` (docs/recording.md).
//
//   node --test examples/recording-fixture/replay.test.mjs
//   RESPONSES_STUDIO_BIN  the command (default: responses-studio on PATH; a .js file runs with node)
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';

const fixture = fileURLToPath(new URL('./say-hello.jsonl', import.meta.url));
const bin = process.env.RESPONSES_STUDIO_BIN ?? 'responses-studio';
const [command, ...prefix] = bin.endsWith('.js') ? [process.execPath, bin] : [bin];

let server;
let baseURL;
before(async () => {
  server = spawn(command, [...prefix, 'replay', fixture, '--port', '0', '--speed', 'instant'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  baseURL = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = / on (http:\/\/\S+)/.exec(out);
      if (match) resolve(`${match[1]}/v1`);
    });
    server.once('exit', (code) => reject(new Error(`replay exited (${code}): ${out}`)));
  });
});
after(async () => {
  server.kill('SIGTERM');
  if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
});

test('the client code gets the recorded answer', async () => {
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
  const response = await client.responses.create({ model: 'sim-chat', input: 'Say hello' });
  assert.equal(response.status, 'completed');
  assert.match(response.output_text, /^You asked: "Say hello"/);
});

test('a request that was not recorded is a 404 naming the reason', async () => {
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
  await assert.rejects(client.responses.create({ model: 'sim-chat', input: 'Something else' }), (err) => {
    assert.equal(err.status, 404);
    assert.equal(err.code, 'recording_not_matched');
    return true;
  });
});
