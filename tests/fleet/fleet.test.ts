/**
 * X8: three gateway processes on one PostgreSQL database and one Redis, behind HAProxy, on the
 * built-in simulator. Real clients go through the balancer; the live features are driven across
 * instances on purpose (a stream held by one, requests sent to the others); one instance is
 * killed with SIGKILL in the middle of a stream.
 */
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, redisUrl, testKeyPrefix, type TestDatabase } from '../support/services.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startBalancer, type Balancer } from '../support/haproxy.js';
import { agentsRunner, weatherAgent } from '../support/fixtures.js';
import { SseReader, type StreamEvent } from '../state/sse-reader.js';
import { parseJsonl, type RecordedRun } from '../../src-server/shared/recording-format/format.js';
import { startReplayServer } from '../../src-server/recording/replay-server.js';

const KEY = '42'.repeat(32);
const SESSION = { 'x-responses-session': 'on' };
const FAST = { 'x-simulator-ttft-ms': '0', 'x-simulator-token-ms': '0' };

interface Fleet {
  db: TestDatabase;
  instances: GatewayProcess[];
  balancer: Balancer;
  stop(): Promise<void>;
}

/**
 * `count` gateways on one new database and Redis prefix, behind a balancer. They keep the default
 * instance lease (15 s, renewed every 5 s): a shorter one is a clock that a loaded machine can
 * outrun, and only the test that kills an instance needs its responses failed sooner.
 */
async function startFleet(count: number, extra: string[] = []): Promise<Fleet> {
  const db = await createTestDatabase();
  const prefix = testKeyPrefix();
  const instances: GatewayProcess[] = [];
  let balancer: Balancer | undefined;
  const stop = async (): Promise<void> => {
    await balancer?.stop();
    await Promise.allSettled(instances.filter((g) => g.alive()).map((g) => g.stop()));
    await db.drop();
  };
  try {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startGatewayProcess([
          '--store',
          db.url,
          '--redis',
          redisUrl(),
          '--redis-key-prefix',
          prefix,
          '--instance-id',
          `fleet-${i + 1}`,
          '--reasoning-encryption-key',
          KEY,
          '--log-level',
          'warn',
          ...extra,
        ]),
      ),
    );
    instances.push(...started);
    balancer = await startBalancer(instances.map((g) => g.url));
    return { db, instances, balancer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const weatherTool = (name: string): Record<string, unknown> => ({
  type: 'function',
  name,
  description: `The ${name} tool.`,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
});

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function runningCount(db: TestDatabase): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM responses WHERE status IN ('queued', 'in_progress')",
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

interface RecordingPage {
  data: { id: string; status: string; sessionId: string; responseId: string; requestKind: string }[];
  total: number;
}

/** `GET /v1/recordings` of one instance (or the balancer), searched or by session. */
async function listed(base: string, search: string, by: 'search' | 'session' = 'search'): Promise<RecordingPage> {
  return (await (await fetch(`${base}/v1/recordings?${by}=${encodeURIComponent(search)}`)).json()) as RecordingPage;
}

function expectContiguous(events: StreamEvent[]): void {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
}

describe('X8 three instances behind HAProxy on PostgreSQL and Redis', { tags: ['X8'] }, () => {
  let fleet: Fleet;
  beforeAll(async () => {
    // Every instance records: the library is the shared database's.
    fleet = await startFleet(3, ['--record', 'on']);
  });
  afterAll(async () => {
    const fatal = fleet?.instances.flatMap((g) => g.fatalLines()) ?? [];
    await fleet?.stop();
    expect(fatal).toEqual([]);
  });

  test(
    'openai-node through the balancer: stored responses, chaining, input items, streams, delete',
    { tags: ['M6'] },
    async () => {
      const client = new OpenAI({ baseURL: `${fleet.balancer.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const first = await client.responses.create({ model: 'sim-chat', input: 'Name a colour.' });
      expect(first.status).toBe('completed');
      // Round robin: the next requests land on the other instances, which read the shared store.
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const { data, response } = await client.responses.retrieve(first.id).withResponse();
        expect(data.id).toBe(first.id);
        seen.add(String(response.headers.get('x-studio-instance')));
      }
      expect(seen).toEqual(new Set(['fleet-1', 'fleet-2', 'fleet-3']));
      const second = await client.responses.create({
        model: 'sim-chat',
        input: 'And another?',
        previous_response_id: first.id,
      });
      const third = await client.responses.create({
        model: 'sim-chat',
        input: 'One more.',
        previous_response_id: second.id,
      });
      expect(third.status).toBe('completed');
      const items = await client.responses.inputItems.list(third.id);
      expect(items.data.length).toBe(1);
      const stream = await client.responses.create({ model: 'sim-chat', input: 'Stream it.', stream: true });
      const types: string[] = [];
      let streamedId = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.completed') streamedId = event.response.id;
      }
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      expect((await client.responses.retrieve(streamedId)).status).toBe('completed');
      await client.responses.delete(first.id);
      await expect(client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    },
  );

  test(
    'a conversation created on one instance is continued, listed and referenced through the others',
    { tags: ['X4'] },
    async () => {
      const client = new OpenAI({ baseURL: `${fleet.balancer.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const conversation = await client.conversations.create({
        metadata: { topic: 'fleet' },
        items: [{ type: 'message', role: 'user', content: 'My name is Ada.' }],
      });
      // Each request lands on the next instance (round robin): every one reads and appends the same rows.
      const instances = new Set<string>();
      for (const input of ['What is my name?', 'And again?', 'Once more?']) {
        const { data, response } = await client.responses
          .create({ model: 'sim-chat', input, conversation: conversation.id, store: false })
          .withResponse();
        expect(data.status).toBe('completed');
        instances.add(String(response.headers.get('x-studio-instance')));
      }
      expect(instances.size).toBe(3);
      const items = await client.conversations.items.list(conversation.id, { order: 'asc', limit: 20 });
      const roles = items.data.map((item) => (item as { role?: string }).role);
      expect(roles).toEqual(['user', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
      // An item_reference to the conversation's first item resolves on whichever instance answers.
      const first = items.data[0] as { id: string };
      const referenced = await client.responses.create({
        model: 'sim-chat',
        input: [{ type: 'item_reference', id: first.id }],
      });
      expect(referenced.status).toBe('completed');
      expect((await client.conversations.retrieve(conversation.id)).metadata).toEqual({ topic: 'fleet' });
      await client.conversations.delete(conversation.id);
      await expect(client.conversations.retrieve(conversation.id)).rejects.toMatchObject({ status: 404 });
    },
  );

  test(
    'a run recorded through instance 1 is listed, fetched, exported, re-run and replayed through 2, 3 and the balancer',
    { tags: ['U6'] },
    async () => {
      const [one, two, three] = fleet.instances;
      const body = { model: 'sim-chat', input: 'Record me on one instance', stream: true };
      const live = await post(`${one.url}/v1/responses`, body, FAST);
      expect(live.status).toBe(200);
      const liveText = await live.text();
      const requestId = live.headers.get('x-request-id') as string;
      // Written once the run finished on instance 1; every instance lists it from then on.
      await expect.poll(async () => (await listed(two.url, requestId)).data[0]?.status).toBe('completed');
      const recording = (await listed(two.url, requestId)).data[0];
      for (const base of [three.url, fleet.balancer.url])
        expect((await listed(base, requestId)).data.map((r) => r.id)).toEqual([recording.id]);

      for (const base of [two.url, three.url, fleet.balancer.url]) {
        const detail = (await (await fetch(`${base}/v1/recordings/${recording.id}`)).json()) as RecordedRun;
        expect(detail.id).toBe(recording.id);
        expect(detail.events.map((e) => e.data).join('')).toBe(liveText);
      }

      const exported = await fetch(`${three.url}/v1/recordings/${recording.id}/export`);
      expect(exported.status).toBe(200);
      expect(exported.headers.get('x-studio-instance')).toBe('fleet-3');
      const file = parseJsonl(await exported.text());
      expect(file.runs.map((r) => r.id)).toEqual([recording.id]);
      const har = (await (await fetch(`${two.url}/v1/recordings/${recording.id}/export?format=har`)).json()) as {
        log: { entries: unknown[] };
      };
      expect(har.log.entries).toHaveLength(1);

      // Replayed from the file instance 3 exported: the same bytes as the live stream.
      const replay = await startReplayServer({ file, speed: 'instant' });
      try {
        const again = await post(`${replay.url}/v1/responses`, body);
        expect(await again.text()).toBe(liveText);
      } finally {
        await replay.close();
      }

      // A continuation through instance 2 joins the session instance 1 recorded.
      const next = await post(
        `${two.url}/v1/responses`,
        { model: 'sim-chat', input: 'And once more', previous_response_id: recording.responseId },
        FAST,
      );
      expect(next.status).toBe(200);
      const nextRequest = next.headers.get('x-request-id') as string;
      await expect.poll(async () => (await listed(three.url, nextRequest)).data[0]?.status).toBe('completed');
      expect((await listed(three.url, nextRequest)).data[0].sessionId).toBe(recording.sessionId);

      // Re-run on instance 2 (itself as the target): the session is sent again and diffed.
      const rerun = await post(`${two.url}/v1/recordings/${recording.id}/rerun`, { target: 'self' });
      expect(rerun.status).toBe(200);
      const result = (await rerun.json()) as { runs: string[]; diffs: { diff: { missing: string[] } }[] };
      expect(result.runs).toHaveLength(2);
      expect(result.diffs.map((d) => d.diff.missing)).toEqual([[], []]);

      // Deleted through one instance, gone from all.
      expect((await fetch(`${one.url}/v1/recordings/${recording.id}`, { method: 'DELETE' })).status).toBe(200);
      for (const base of [two.url, three.url])
        expect((await fetch(`${base}/v1/recordings/${recording.id}`)).status).toBe(404);
    },
  );

  test(
    'tool outputs recorded by instance 2 join the session instance 1 is still recording',
    { tags: ['U6', 'C1'] },
    async () => {
      const [one, two, three] = fleet.instances;
      const res = await post(
        `${one.url}/v1/responses`,
        { model: 'sim-chat', stream: true, input: 'Use get_weather for Oslo', tools: [weatherTool('get_weather')] },
        { ...SESSION, ...FAST },
      );
      expect(res.status).toBe(200);
      const reader = new SseReader(res);
      const created = await reader.waitFor((e) => e.type === 'response.created');
      const id = (created.response as { id: string }).id;
      const [call] = await reader.waitForCount(
        (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
        1,
      );
      const submitted = await post(`${two.url}/v1/responses/${id}/tool_outputs`, {
        tool_outputs: [{ call_id: (call.item as { call_id: string }).call_id, output: 'Cold, 3 C' }],
      });
      expect(submitted.status).toBe(200);
      await reader.finished;
      // The stream's own run (the submission's answer names the response too).
      const streamRun = async () => (await listed(three.url, id)).data.find((r) => r.requestKind === 'response');
      await expect.poll(async () => (await streamRun())?.status).toBe('completed');
      const { sessionId } = (await streamRun())!;
      await expect
        .poll(async () => (await listed(fleet.balancer.url, sessionId, 'session')).data.map((r) => r.requestKind))
        .toEqual(['tool_outputs', 'response']);
    },
  );

  test('the Agents SDK runs a tool-using agent through the balancer (stream and not)', async () => {
    const runner = agentsRunner(`${fleet.balancer.url}/v1`);
    const { agent, cities: calls } = weatherAgent();
    const plain = await runner.run(agent, 'What is the weather in Paris? Use get_weather.');
    expect(plain.finalOutput).toContain('Sunny, 21 C');
    const streamed = await runner.run(agent, 'What is the weather in Oslo? Use get_weather.', { stream: true });
    for await (const _event of streamed) void _event;
    await streamed.completed;
    expect(streamed.finalOutput).toContain('Sunny, 21 C');
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });

  test(
    'a session stream on instance 1 receives tool outputs posted to instances 2 and 3; first submission wins',
    { tags: ['C1', 'E6'] },
    async () => {
      const [one, two, three] = fleet.instances;
      const res = await post(
        `${one.url}/v1/responses`,
        {
          model: 'sim-chat',
          stream: true,
          input: 'Use get_weather and get_time for Paris',
          tools: [weatherTool('get_weather'), weatherTool('get_time')],
        },
        SESSION,
      );
      expect(res.status).toBe(200);
      const reader = new SseReader(res);
      const created = await reader.waitFor((e) => e.type === 'response.created');
      const id = (created.response as { id: string }).id;
      const calls = await reader.waitForCount(
        (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
        2,
      );
      const callId = (e: StreamEvent): string => (e.item as { call_id: string }).call_id;
      // The session state is answered by the holder, asked through another instance.
      await expect
        .poll(
          async () =>
            ((await (await fetch(`${three.url}/v1/responses/${id}/session`)).json()) as { status: string }).status,
        )
        .toBe('waiting');
      const a = await post(`${two.url}/v1/responses/${id}/tool_outputs`, {
        tool_outputs: [{ call_id: callId(calls[0]), output: 'Sunny, 21 C' }],
      });
      expect(a.status).toBe(200);
      expect(a.headers.get('x-studio-instance')).toBe('fleet-2');
      expect(await a.json()).toMatchObject({ accepted_call_ids: [callId(calls[0])], resumed: false });
      // The same call again, through the third instance: the first submission won.
      const dup = await post(`${three.url}/v1/responses/${id}/tool_outputs`, {
        tool_outputs: [{ call_id: callId(calls[0]), output: 'Rainy' }],
      });
      expect(dup.status).toBe(409);
      expect(((await dup.json()) as { error: { code: string } }).error.code).toBe('duplicate_call_id');
      const b = await post(`${three.url}/v1/responses/${id}/tool_outputs`, {
        tool_outputs: [{ call_id: callId(calls[1]), output: '14:05' }],
      });
      expect(b.status).toBe(200);
      expect(await b.json()).toMatchObject({ resumed: true, pending_call_ids: [] });
      await reader.finished;
      expect(reader.events.at(-1)?.type).toBe('response.completed');
      expectContiguous(reader.events);
      const outputs = reader.events.filter(
        (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call_output',
      );
      expect(outputs.map((e) => (e.item as { output: string }).output)).toEqual(['Sunny, 21 C', '14:05']);
      // Not waiting any more: a late output is a 409 wherever it is sent; an unknown id a 404.
      const late = await post(`${two.url}/v1/responses/${id}/tool_outputs`, {
        tool_outputs: [{ call_id: callId(calls[1]), output: 'late' }],
      });
      expect(late.status).toBe(409);
      const unknown = await post(`${two.url}/v1/responses/resp_unknown/tool_outputs`, {
        tool_outputs: [{ call_id: 'c', output: 'x' }],
      });
      expect(unknown.status).toBe(404);
    },
  );

  test(
    'a background run started on instance 1 is resumed and cancelled through instance 2',
    { tags: ['E5'] },
    async () => {
      const [one, two] = fleet.instances;
      const res = await post(
        `${one.url}/v1/responses`,
        { model: 'sim-chat', input: 'Tell a long story.', background: true, stream: true },
        { 'x-simulator-token-ms': '40', 'x-simulator-deltas': '400' },
      );
      const original = new SseReader(res);
      const created = await original.waitFor((e) => e.type === 'response.created');
      const id = (created.response as { id: string }).id;
      await original.waitForCount((e) => e.type === 'response.output_text.delta', 5);
      const resumed = new SseReader(await fetch(`${two.url}/v1/responses/${id}?stream=true&starting_after=2`));
      const firstResumed = await resumed.waitFor(() => true);
      expect(firstResumed.sequence_number).toBe(3);
      await resumed.waitForCount((e) => e.type === 'response.output_text.delta', 10);
      const live = (await (await fetch(`${two.url}/v1/responses/${id}`)).json()) as { status: string };
      expect(live.status).toBe('in_progress');
      const cancelled = await post(`${two.url}/v1/responses/${id}/cancel`, {});
      expect(cancelled.status).toBe(200);
      expect(((await cancelled.json()) as { status: string }).status).toBe('cancelled');
      await resumed.finished;
      await original.finished;
      // The follower on instance 2 saw the same events as the client of instance 1, from 3 on.
      expect(resumed.events.map((e) => e.sequence_number)).toEqual(
        original.events.filter((e) => e.sequence_number > 2).map((e) => e.sequence_number),
      );
      expect(resumed.events.at(-1)?.type).toBe(original.events.at(-1)?.type);
      const stored = (await (await fetch(`${fleet.balancer.url}/v1/responses/${id}`)).json()) as { status: string };
      expect(stored.status).toBe('cancelled');
    },
  );
});

describe('X8 a shared budget across instances', { tags: ['X8', 'H5'] }, () => {
  test('3 instances with 5 requests/minute admit exactly 5 requests in all; the 429s carry exact headers', async () => {
    const fleet = await startFleet(3, ['--rate-limit-requests-per-minute', '5']);
    try {
      const answers: Response[] = [];
      for (let i = 0; i < 9; i++)
        answers.push(
          await post(`${fleet.instances[i % 3].url}/v1/responses`, { model: 'sim-chat', input: `n${i}`, store: false }),
        );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429, 429, 429]);
      // Remaining counts down across instances: 4, 3, 2, 1, 0.
      expect(answers.slice(0, 5).map((r) => r.headers.get('x-ratelimit-remaining-requests'))).toEqual([
        '4',
        '3',
        '2',
        '1',
        '0',
      ]);
      const refused = answers[5];
      expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('5');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(12);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    } finally {
      await fleet.stop();
    }
  });
});

describe('X8 an instance killed mid-stream', { tags: ['X8'] }, () => {
  test('SIGKILL of one instance: its responses end failed, none stays in_progress, the others lose nothing', async () => {
    // A short lease: the victim's responses are failed by the others 3 s after it stops renewing.
    const fleet = await startFleet(3, ['--instance-lease-seconds', '3']);
    try {
      const slow = { 'x-simulator-token-ms': '30', 'x-simulator-deltas': '60' };
      const open = async (g: GatewayProcess): Promise<{ reader: SseReader; id: string }> => {
        const reader = new SseReader(
          await post(`${g.url}/v1/responses`, { model: 'sim-chat', input: 'Count slowly.', stream: true }, slow),
        );
        const created = await reader.waitFor((e) => e.type === 'response.created');
        return { reader, id: (created.response as { id: string }).id };
      };
      const streams = await Promise.all(fleet.instances.map(open));
      await Promise.all(streams.map((s) => s.reader.waitForCount((e) => e.type === 'response.output_text.delta', 3)));
      const victim = fleet.instances[2];
      // A session on the victim, waiting for a tool output when it dies.
      const session = new SseReader(
        await post(
          `${victim.url}/v1/responses`,
          { model: 'sim-chat', stream: true, input: 'Use get_weather for Paris', tools: [weatherTool('get_weather')] },
          SESSION,
        ),
      );
      const call = await session.waitFor(
        (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
      );
      const sessionId = (session.events[0].response as { id: string }).id;
      await victim.kill();
      // Its stream cannot go on: an output sent to another instance is refused, not lost silently.
      const orphan = await post(`${fleet.instances[0].url}/v1/responses/${sessionId}/tool_outputs`, {
        tool_outputs: [{ call_id: (call.item as { call_id: string }).call_id, output: 'Sunny' }],
      });
      expect(orphan.status).toBe(409);
      expect(((await orphan.json()) as { error: { code: string } }).error.code).toBe('response_not_waiting');
      await Promise.all(streams.map((s) => s.reader.finished));
      // The survivors' clients got every event, in order, to the end.
      for (const s of streams.slice(0, 2)) {
        expectContiguous(s.reader.events);
        expect(s.reader.events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(60);
        expect(s.reader.events.at(-1)?.type).toBe('response.completed');
      }
      // The victim's response is failed by the survivors once its lease runs out.
      const dead = streams[2].id;
      await expect
        .poll(
          async () =>
            ((await (await fetch(`${fleet.instances[0].url}/v1/responses/${dead}`)).json()) as { status: string })
              .status,
        )
        .toBe('failed');
      await expect
        .poll(
          async () =>
            ((await (await fetch(`${fleet.instances[1].url}/v1/responses/${sessionId}`)).json()) as { status: string })
              .status,
        )
        .toBe('failed');
      expect(await runningCount(fleet.db)).toBe(0);
      for (const s of streams.slice(0, 2)) {
        const stored = (await (await fetch(`${fleet.balancer.url}/v1/responses/${s.id}`)).json()) as { status: string };
        expect(stored.status).toBe('completed');
      }
    } finally {
      await fleet.stop();
    }
  });
});
