/**
 * Two instances recording into one PostgreSQL library (X8): instance 1 runs a session-mode
 * response, instance 2 records the tool outputs submitted for it. The submission joins the
 * response's session whichever of the two writes lands first: the link instance 1 stores when
 * the response's id is first written, or instance 2's recording of the submission.
 *
 * The order is set by the test, not by timing: instance 1's store (a real one) holds the link
 * write until the test lets it go, and instance 2's tells when its session lookup has answered.
 */
import { afterEach, describe, expect, test } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { migratePostgres } from '../../src-server/store/postgres/migrations.js';
import { PostgresRecordings } from '../../src-server/store/postgres/recordings.js';
import { Recorder } from '../../src-server/recording/recorder.js';
import type { ExchangeObserver } from '../../src-server/exchange/observer.js';
import type { RecordingSummary } from '../../src-server/store/recordings-store.js';

let db: TestDatabase | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await db?.drop();
  db = undefined;
});

const OWNER = 'anonymous';
const RESPONSE_ID = 'resp_fleet1';

/** The PostgreSQL store, with its links (`update`) held until `release` and its lookups seen. */
class ObservedStore extends PostgresRecordings {
  private readonly held: Promise<void>;
  release: () => void = () => undefined;
  /** The answers of session lookups, in order. */
  readonly lookups: (string | null)[] = [];
  private looked: () => void = () => undefined;

  constructor(pool: pg.Pool, instanceId: string, onError: (err: unknown) => void) {
    super(pool, { instanceId, onError });
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  override async update(...args: Parameters<PostgresRecordings['update']>): Promise<boolean> {
    await this.held;
    return super.update(...args);
  }

  override async sessionOf(responseId: string, owner?: string): Promise<string | null> {
    const session = await super.sessionOf(responseId, owner);
    this.lookups.push(session);
    this.looked();
    return session;
  }

  /** Resolves once a session lookup has answered. */
  lookedUp(): Promise<void> {
    if (this.lookups.length > 0) return Promise.resolve();
    return new Promise((resolve) => (this.looked = resolve));
  }
}

interface Instance {
  store: ObservedStore;
  recorder: Recorder;
}

async function instance(url: string, instanceId: string): Promise<Instance> {
  const pool = new pg.Pool({ connectionString: url });
  await migratePostgres(pool);
  const failures: unknown[] = [];
  const store = new ObservedStore(pool, instanceId, (err) => failures.push(err));
  const recorder = new Recorder({ recordings: store, onError: (err) => failures.push(err) });
  cleanups.push(async () => {
    store.release();
    await store.close();
    await pool.end();
    expect(failures).toEqual([]);
  });
  return { store, recorder };
}

/** A POST observed by `recorder`: the observer the response writers would report to. */
function observed(recorder: Recorder, requestId: string, path: string, body: unknown): ExchangeObserver {
  let observer: ExchangeObserver | undefined;
  recorder.observe(
    { observe: (o) => (observer = o) },
    { 'content-type': 'application/json' },
    { requestId, startedAt: 0, method: 'POST', path, owner: OWNER },
  );
  if (!observer) throw new Error(`${path} is not recorded`);
  observer.requestBody?.(Buffer.from(JSON.stringify(body)), true);
  return observer;
}

/** Instance 1's session stream, its first event written: the response's id is known. */
function streamStarted(one: Instance): ExchangeObserver {
  const stream = observed(one.recorder, 'req_stream', '/v1/responses', { model: 'sim', input: 'Use a tool' });
  stream.head?.(200, { 'content-type': 'text/event-stream' });
  return stream;
}

function writeCreated(stream: ExchangeObserver): void {
  const data = JSON.stringify({ type: 'response.created', response: { id: RESPONSE_ID, status: 'in_progress' } });
  stream.write?.({ type: 'response.created', text: `event: response.created\ndata: ${data}\n\n` }, 1);
}

/** Instance 2's submission, its body read (the recorder looks the response's session up now). */
function submission(two: Instance, requestId = 'req_submit'): ExchangeObserver {
  return observed(two.recorder, requestId, `/v1/responses/${RESPONSE_ID}/tool_outputs`, {
    tool_outputs: [{ call_id: 'call_1', output: 'Cold, 3 C' }],
  });
}

/** The submission answered (the answer names the response, as the real one does) and closed. */
function answer(submitted: ExchangeObserver): void {
  submitted.head?.(200, { 'content-type': 'application/json' });
  const body = JSON.stringify({ id: RESPONSE_ID, object: 'response.tool_outputs', resumed: true });
  submitted.write?.({ type: 'http.body', text: body }, 2);
  submitted.end?.(2);
  submitted.close?.(true, 200);
}

async function run(store: PostgresRecordings, requestId: string): Promise<RecordingSummary | undefined> {
  return (await store.list({ search: requestId })).data.find((r) => r.requestId === requestId);
}

/** Instance 1 stored its link: the response's run answers a search for the response's id. */
async function linked(store: PostgresRecordings): Promise<void> {
  await expect
    .poll(async () => (await store.list({ search: RESPONSE_ID })).data.some((r) => r.requestKind === 'response'))
    .toBe(true);
}

describe('tool outputs recorded by another instance (PostgreSQL)', { tags: ['U6', 'X8', 'C1'] }, () => {
  test('a submission recorded before the response is linked joins its session when the link lands', async () => {
    db = await createTestDatabase();
    const one = await instance(db.url, 'one');
    const two = await instance(db.url, 'two');
    // Instance 1's link is held: the whole submission is recorded before it.
    writeCreated(streamStarted(one));
    answer(submission(two));
    await expect.poll(async () => (await run(two.store, 'req_submit'))?.status).toBe('completed');
    const pending = (await run(two.store, 'req_submit'))!;
    // Instance 1's own run is written apart from its held link, and may land after the submission.
    await expect.poll(async () => (await run(two.store, 'req_stream')) !== undefined).toBe(true);
    const own = (await run(two.store, 'req_stream'))!;
    expect(pending.sessionId).not.toBe(own.sessionId);
    // A run waiting to join does not stand for the response's session.
    expect(await two.store.sessionOf(RESPONSE_ID, OWNER)).toBeNull();

    one.store.release();
    await linked(two.store);
    expect((await run(two.store, 'req_submit'))?.sessionId).toBe(own.sessionId);
    expect(await two.store.sessionOf(RESPONSE_ID, OWNER)).toBe(own.sessionId);
    const session = await two.store.list({ sessionId: own.sessionId ?? undefined });
    expect(session.data.map((r) => r.requestKind)).toEqual(['tool_outputs', 'response']);
  });

  test('a submission whose lookup came before the link, answered after it, joins the session', async () => {
    // The order of the fleet test: the submission's lookup finds nothing yet; the running instance
    // stores its link before the submission is answered.
    db = await createTestDatabase();
    const one = await instance(db.url, 'one');
    const two = await instance(db.url, 'two');
    writeCreated(streamStarted(one));
    const submitted = submission(two);
    await two.store.lookedUp();
    expect(two.store.lookups).toEqual([null]);
    one.store.release();
    await linked(two.store);
    answer(submitted);
    await expect.poll(async () => (await run(two.store, 'req_submit'))?.status).toBe('completed');

    const own = (await run(two.store, 'req_stream'))!;
    expect((await run(two.store, 'req_submit'))?.sessionId).toBe(own.sessionId);
    expect(await two.store.sessionOf(RESPONSE_ID, OWNER)).toBe(own.sessionId);
    // The submission is not the response's run: a later one on instance 2 joins the same session.
    answer(submission(two, 'req_again'));
    await expect.poll(async () => (await run(two.store, 'req_again'))?.status).toBe('completed');
    const session = await two.store.list({ sessionId: own.sessionId ?? undefined });
    expect(session.data.map((r) => r.requestKind)).toEqual(['tool_outputs', 'tool_outputs', 'response']);
  });
});
