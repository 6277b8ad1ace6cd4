/**
 * A recordings store shared by several gateways (PostgreSQL in a fleet) answers a session lookup
 * later than the embedded one: the run waits for it to start, the client never does, and nothing
 * the exchange wrote meanwhile is lost or reordered.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { defaultConfig, type GatewayConfig } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { createLogger } from '../../src-server/logging/logger.js';
import type { RecordingStorage } from '../../src-server/store/contract.js';
import type { RecordingSummary } from '../../src-server/store/recordings-store.js';
import { openStore } from '../../src-server/store/index.js';
import { postJson } from '../support/gateway-harness.js';
import { FAST } from './helpers.js';

const inner = openStore({ inMemory: true, sweepIntervalMs: 0 });
const gateways: Gateway[] = [];
afterAll(async () => {
  for (const g of gateways) await g.close();
  inner.close();
});

/** The embedded store behind the interface only, shared as PostgreSQL is, with its own session lookup. */
function sharedView(sessionOf: RecordingStorage['sessionOf']): RecordingStorage {
  const r = inner.recordings;
  return {
    shared: true,
    start: (meta) => r.start(meta),
    appendEvent: (id, event) => r.appendEvent(id, event),
    appendAction: (id, action) => r.appendAction(id, action),
    update: (id, patch) => r.update(id, patch),
    finish: (id, result) => r.finish(id, result),
    settled: () => r.settled(),
    list: (options) => r.list(options),
    summary: (id, owner) => r.summary(id, owner),
    detail: (id, owner) => r.detail(id, owner),
    events: (id, options) => r.events(id, options),
    remove: (id, owner) => r.remove(id, owner),
    rename: (id, name) => r.rename(id, name),
    tag: (id, tags) => r.tag(id, tags),
    totals: () => r.totals(),
    sessionOf,
  };
}

/** A shared view whose session lookups are held until `release`. */
function heldLookups(): { shared: RecordingStorage; lookups: string[]; release: () => void } {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const lookups: string[] = [];
  const shared = sharedView(async (responseId, owner) => {
    lookups.push(responseId);
    await gate;
    return inner.recordings.sessionOf(responseId, owner);
  });
  return { shared, lookups, release };
}

/** The recording of a request once it is finished (completed, or error for a refused request). */
async function finishedRun(store: RecordingStorage, requestId: string): Promise<RecordingSummary> {
  await expect
    .poll(async () => (await store.list({ search: requestId })).data[0]?.status)
    .toMatch(/^(completed|error)$/);
  return (await store.list({ search: requestId })).data[0];
}

/** A first turn through `gateway`, recorded to its completion: its response id and its recording. */
async function firstTurn(
  gateway: Gateway,
  store: RecordingStorage,
  input: string,
): Promise<{ responseId: string; original: RecordingSummary }> {
  const first = await postJson(`${gateway.url}/v1/responses`, { model: 'sim-chat', input }, FAST);
  const { id: responseId } = (await first.json()) as { id: string };
  const original = await finishedRun(store, first.headers.get('x-request-id') as string);
  expect(original.status).toBe('completed');
  return { responseId, original };
}

async function gatewayOn(recordings: RecordingStorage): Promise<Gateway> {
  const config: GatewayConfig = {
    ...defaultConfig(),
    host: '127.0.0.1',
    port: 0,
    backend: 'simulator',
    record: 'on',
    logLevel: 'error',
  };
  const gateway = await createGateway(config, { recordings, logger: createLogger('error', () => undefined) });
  gateways.push(gateway);
  return gateway;
}

describe('a shared recordings store (X8)', { tags: ['U6', 'X8'] }, () => {
  test('a continuation recorded by another gateway waits for the session lookup, then keeps every event', async () => {
    const { shared, lookups, release } = heldLookups();
    const one = await gatewayOn(shared);
    const two = await gatewayOn(shared);
    const { responseId, original } = await firstTurn(one, shared, 'First turn');

    // The other gateway never saw that response: it asks the store for its session.
    const next = await postJson(
      `${two.url}/v1/responses`,
      { model: 'sim-chat', input: 'Second turn', previous_response_id: responseId },
      FAST,
    );
    const answer = await next.text();
    expect(lookups).toEqual([responseId]);
    // The client has its whole answer; the run is not started while the lookup is held.
    expect((await shared.list()).total).toBe(1);

    release();
    const run = await finishedRun(shared, next.headers.get('x-request-id') as string);
    expect(run).toMatchObject({ sessionId: original.sessionId, httpStatus: next.status, eventCount: 1 });
    const detail = await shared.detail(run.id);
    expect(detail?.events.map((e) => e.data)).toEqual([answer]);
  });
});
