/**
 * X8 failure behaviour: Redis or PostgreSQL going away never takes the gateway down. Live
 * features (Redis) and store-dependent requests (PostgreSQL) answer 503 with Retry-After while
 * the rest keeps working, and /healthz says what is missing.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations.
import * as testServices from '../../scripts/test-services.mjs';
import { readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { freePort } from '../support/haproxy.js';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../support/services.js';
import { inTransaction } from '../../src-server/store/postgres/pool.js';

const { killRedis, postgresPids, redisPid, restartPostgres, start, stop, stopPostgres } = testServices;

let h: GatewayHarness | undefined;
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface OwnServices {
  dir: string;
  postgresUrl: string;
  redisUrl: string;
}

/** A PostgreSQL and Redis of the test's own (stopped, frozen or killed in the middle). */
async function ownServices(): Promise<OwnServices> {
  const own = (await start()) as OwnServices;
  cleanup.push(() => {
    // Whatever the test left frozen goes on again before it is stopped.
    signal([...(postgresPids(own.dir) as number[]), (redisPid(own.dir) as number | null) ?? 0], 'SIGCONT');
    stop(own.dir);
  });
  return own;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids.filter((p) => p > 0)) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone meanwhile.
    }
  }
}

async function healthStatus(url: string): Promise<string> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { status: string }).status;
}

/**
 * A stored, streamed response during which PostgreSQL stops (after its first event, so its
 * in_progress row is in) and that ends while it is down; PostgreSQL is started again afterwards.
 * Returns the response id and the stream's last event type.
 */
async function streamAcrossStop(
  own: OwnServices,
  body: Record<string, unknown> = {},
): Promise<{ id: string; last: string; output: { id: string }[] }> {
  const res = await post(
    `${h!.url}/v1/responses`,
    { model: 'sim-chat', input: 'hi', stream: true, ...body },
    { 'x-simulator-deltas': '20', 'x-simulator-token-ms': '20', 'x-request-id': 'across-stop' },
  );
  const [first, rest] = res.body!.tee();
  const reader = first.getReader();
  await reader.read();
  stopPostgres(own.dir, 'fast');
  void reader.cancel();
  const { events } = await readSse(new Response(rest));
  restartPostgres(own.dir);
  const last = events[events.length - 1].data as { type: string; response: { id: string; output: { id: string }[] } };
  return { id: last.response.id, last: last.type, output: last.response.output };
}

/**
 * Two instances on the services of `own`; a streamed background run started on the first (`h`),
 * whose stream `reader` has read its first chunk.
 */
async function backgroundOnTwoInstances(
  own: OwnServices,
  redisKeyPrefix: string,
  simulator: Record<string, string>,
): Promise<{ other: GatewayHarness; responseId: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const options = { store: own.postgresUrl, redis: own.redisUrl, redisKeyPrefix, logLevel: 'error' as const };
  h = await startGateway({ ...options, instanceId: 'outage-1' });
  const other = await startGateway({ ...options, instanceId: 'outage-2' });
  cleanup.push(() => other.close());
  const res = await post(
    `${h.url}/v1/responses`,
    { model: 'sim-chat', input: 'hi', background: true, stream: true },
    simulator,
  );
  const reader = res.body!.getReader();
  const responseId = /"id":"(resp_[^"]+)"/.exec(new TextDecoder().decode((await reader.read()).value))![1];
  return { other, responseId, reader };
}

async function expectUnavailable(res: Response, code: string): Promise<void> {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await res.json()) as { error: { type: string; code: string } };
  expect(body.error).toMatchObject({ type: 'server_error', code });
}

describe('X8 outages of Redis and PostgreSQL', { tags: ['X8', 'M3'] }, () => {
  test('Redis down: session mode and background answer 503 with Retry-After; plain requests work', async () => {
    // Nothing listens on this port: a Redis that is down.
    const port = await freePort();
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    h = await startGateway(
      { store: db.url, redis: `redis://127.0.0.1:${port}`, redisKeyPrefix: testKeyPrefix(), logLevel: 'error' },
      {},
    );
    const session = await post(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hi', stream: true, tools: [] },
      { 'x-responses-session': 'on' },
    );
    await expectUnavailable(session, 'coordination_unavailable');
    const background = await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi', background: true });
    await expectUnavailable(background, 'coordination_unavailable');
    const plain = await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' });
    expect(plain.status).toBe(200);
    const { id } = (await plain.json()) as { id: string };
    expect((await fetch(`${h.url}/v1/responses/${id}`)).status).toBe(200);
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'degraded', store: { kind: 'postgres', ok: true }, redis: { ok: false } });
    expect(JSON.stringify(health)).not.toContain(db.url);
  });

  test('PostgreSQL down: stored requests answer 503 store_unavailable; store:false works; health says so', async () => {
    // A PostgreSQL of this test's own, stopped in the middle (the shared one stays up for the others).
    const own = (await start()) as { dir: string; postgresUrl: string };
    let stopped = false;
    cleanup.push(() => {
      if (!stopped) stop(own.dir);
    });
    h = await startGateway(
      { store: own.postgresUrl, redis: redisUrl(), redisKeyPrefix: testKeyPrefix(), logLevel: 'error' },
      {},
    );
    const before = await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' });
    expect(before.status).toBe(200);
    const { id } = (await before.json()) as { id: string };
    stop(own.dir);
    stopped = true;
    await expectUnavailable(
      await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' }),
      'store_unavailable',
    );
    await expectUnavailable(await fetch(`${h.url}/v1/responses/${id}`), 'store_unavailable');
    const chained = await post(`${h.url}/v1/responses`, {
      model: 'sim-chat',
      input: 'more',
      previous_response_id: id,
      store: false,
    });
    await expectUnavailable(chained, 'store_unavailable');
    const unstored = await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi', store: false });
    expect(unstored.status).toBe(200);
    const streamed = await post(`${h.url}/v1/responses`, {
      model: 'sim-chat',
      input: 'hi',
      store: false,
      stream: true,
    });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain('response.completed');
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'degraded', store: { kind: 'postgres', ok: false }, redis: { ok: true } });
    // The process is still serving: nothing crashed, nothing was logged as a bug.
    expect(h.logs.filter((l) => /uncaught|unhandled/i.test(String(l.msg)))).toEqual([]);
  });

  test('PostgreSQL or Redis frozen: requests answer 503 after --store-timeout, not never', async () => {
    const own = await ownServices();
    h = await startGateway({
      store: own.postgresUrl,
      redis: own.redisUrl,
      redisKeyPrefix: testKeyPrefix(),
      storeTimeoutSeconds: 1,
      logLevel: 'error',
    });
    const before = await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' });
    const { id } = (await before.json()) as { id: string };
    // A server that stopped answering: its connections stay open, nothing comes back.
    signal(postgresPids(own.dir) as number[], 'SIGSTOP');
    await expectUnavailable(
      await post(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' }),
      'store_unavailable',
    );
    await expectUnavailable(await fetch(`${h.url}/v1/responses/${id}`), 'store_unavailable');
    signal(postgresPids(own.dir) as number[], 'SIGCONT');
    await expect.poll(() => healthStatus(h!.url), { timeout: 30_000 }).toBe('ok');
    signal([redisPid(own.dir) as number], 'SIGSTOP');
    // The state of a session this instance does not hold is looked up in Redis.
    await expectUnavailable(await fetch(`${h.url}/v1/responses/resp_elsewhere/session`), 'coordination_unavailable');
    signal([redisPid(own.dir) as number], 'SIGCONT');
    await expect.poll(() => healthStatus(h!.url), { timeout: 30_000 }).toBe('ok');
    expect((await fetch(`${h.url}/v1/responses/${id}`)).status).toBe(200);
  });

  test('a response that ends while PostgreSQL is down tells its client so, and is stored so once it is back', async () => {
    const own = await ownServices();
    h = await startGateway({ store: own.postgresUrl, logLevel: 'error' });
    const { id, last } = await streamAcrossStop(own);
    // Its end could not be stored (M6): the client is not told it completed.
    expect(last).toBe('response.failed');
    // The final save found the store away; it is tried again, with what the client was told.
    await expect
      .poll(async () => ((await (await fetch(`${h!.url}/v1/responses/${id}`)).json()) as { status?: string }).status, {
        timeout: 30_000,
      })
      .toBe('failed');
  });

  test('a response in a conversation that ends while PostgreSQL is down adds its items once it is back', async () => {
    const own = await ownServices();
    h = await startGateway({ store: own.postgresUrl, logLevel: 'error' });
    const created = await post(`${h.url}/v1/conversations`, {});
    const conversation = ((await created.json()) as { id: string }).id;
    const { last, output } = await streamAcrossStop(own, { conversation, store: false });
    expect(last).toBe('response.completed');
    const items = async (): Promise<string[]> => {
      const res = await fetch(`${h!.url}/v1/conversations/${conversation}/items?order=asc`);
      if (res.status !== 200) return [`HTTP ${res.status}`];
      return ((await res.json()) as { data: { id: string; type: string }[] }).data.map((i) => i.id);
    };
    // The input message, then the output, once (an append tried again adds nothing twice).
    await expect.poll(async () => (await items()).slice(1), { timeout: 30_000 }).toEqual(output.map((o) => o.id));
  });

  test('a recording that loses events while PostgreSQL is down ends interrupted, not recording', async () => {
    const own = await ownServices();
    h = await startGateway({ store: own.postgresUrl, record: 'on', logLevel: 'error' });
    await streamAcrossStop(own);
    const statuses = async (): Promise<string[]> => {
      const res = await fetch(`${h!.url}/v1/recordings?search=across-stop`);
      if (res.status !== 200) return [`HTTP ${res.status}`];
      return ((await res.json()) as { data: { status: string }[] }).data.map((r) => r.status);
    };
    await expect.poll(statuses, { timeout: 30_000 }).toEqual(['interrupted']);
  });

  test('a background run followed on another instance: Redis going away ends the stream with an error', async () => {
    const own = await ownServices();
    const { other, responseId, reader } = await backgroundOnTwoInstances(own, testKeyPrefix(), {
      'x-simulator-deltas': '200',
      'x-simulator-token-ms': '20',
    });
    void reader.cancel();
    // Followed on the other instance, from its Redis relay.
    const resumed = await fetch(`${other.url}/v1/responses/${responseId}?stream=true&starting_after=0`);
    const [first, rest] = resumed.body!.tee();
    const firstReader = first.getReader();
    await firstReader.read();
    await killRedis(own.dir);
    void firstReader.cancel();
    const { events } = await readSse(new Response(rest));
    expect(events.at(-1)?.data).toMatchObject({ type: 'error', code: 'coordination_unavailable' });
  });

  test('events Redis lost of a relayed run: a follower on another instance gets an error, not a hole', async () => {
    const own = await ownServices();
    const prefix = testKeyPrefix();
    const { other, responseId, reader } = await backgroundOnTwoInstances(own, prefix, {
      'x-simulator-deltas': '300',
      'x-simulator-token-ms': '10',
    });
    // What a Redis that went away while events were relayed leaves: entries 4 to 6 missing.
    const redis = new Redis(own.redisUrl);
    cleanup.push(() => void redis.disconnect());
    const key = `${prefix}events:${responseId}`;
    await expect.poll(() => redis.xlen(key), { timeout: 30_000 }).toBeGreaterThan(8);
    await redis.xdel(key, '0-5', '0-6', '0-7');
    const { events } = await readSse(
      await fetch(`${other.url}/v1/responses/${responseId}?stream=true&starting_after=0`),
    );
    void reader.cancel();
    expect(events.map((e) => (e.data as { sequence_number: number }).sequence_number)).toEqual([1, 2, 3, 4]);
    expect(events.at(-1)?.data).toMatchObject({ type: 'error', code: 'coordination_unavailable' });
  });

  test('a connection terminated inside a transaction fails it with store_unavailable, nothing else', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    cleanup.push(() => pool.end());
    pool.on('error', () => undefined);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanup.push(() => admin.end());
    const work = inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Between two statements of the transaction, the server ends the connection.
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const gone = async (): Promise<boolean> =>
        (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [rows[0].pid])).rows.length === 0;
      while (!(await gone())) await new Promise((r) => setTimeout(r, 10));
      await client.query('SELECT 1');
    });
    await expect(work).rejects.toMatchObject({ status: 503, code: 'store_unavailable' });
    // The dead connection left the pool: the next unit of work gets a new one.
    expect(await inTransaction(pool, async (client) => (await client.query('SELECT 1 AS one')).rows)).toEqual([
      { one: 1 },
    ]);
  });

  test('the shared store is the same for a gateway started later (a restart loses nothing)', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const first = await startGateway({ store: db.url, logLevel: 'error' });
    const res = await post(`${first.url}/v1/responses`, { model: 'sim-chat', input: 'remember me' });
    const { id } = (await res.json()) as { id: string };
    await first.close();
    h = await startGateway({ store: db.url, logLevel: 'error' });
    const again = (await (await fetch(`${h.url}/v1/responses/${id}`)).json()) as { id: string; status: string };
    expect(again).toMatchObject({ id, status: 'completed' });
  });
});
