/**
 * openai-node 7.59's Responses WebSocket client (`ResponsesWS`, openai/resources/responses/ws)
 * against the gateway's WebSocket transport (X2): a warm-up, a store:false chain on one socket,
 * and the error envelope surfaced as the SDK's WebSocketError.
 */
import OpenAI from 'openai';
import type { ResponsesServerEvent } from 'openai/resources/responses/responses';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('openai-node ResponsesWS against the gateway', { tags: ['X2', 'B1'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ apiKeys: ['sk-node-ws'], logLevel: 'warn' });
  });
  afterAll(async () => {
    expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await h.close();
  });

  test('warm-up, then a store:false chain, then previous_response_not_found as a WebSocketError', async () => {
    const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'sk-node-ws', maxRetries: 0 });
    const rws = new ResponsesWS(client);
    const events: ResponsesServerEvent[] = [];
    const errors: { code?: string; status?: number }[] = [];
    const waiters: (() => void)[] = [];
    rws.on('event', (e) => {
      events.push(e);
      waiters.splice(0).forEach((w) => w());
    });
    rws.on('error', (err) => {
      const frame = err.error as unknown as { status: number; error: { code: string } } | undefined;
      errors.push({ code: frame?.error.code, status: frame?.status });
      waiters.splice(0).forEach((w) => w());
    });
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const completed = () => events.filter((e) => e.type === 'response.completed');

    rws.send({ type: 'response.create', model: 'sim-chat', store: false, generate: false, input: 'You are terse.' });
    await until(() => completed().length === 1);
    const warm = completed()[0];
    expect(warm.type === 'response.completed' && warm.response.output).toEqual([]);

    const warmId = warm.type === 'response.completed' ? warm.response.id : '';
    rws.send({
      type: 'response.create',
      model: 'sim-chat',
      store: false,
      previous_response_id: warmId,
      input: 'Say hi.',
    });
    await until(() => completed().length === 2);
    const second = completed()[1];
    expect(second.type === 'response.completed' && second.response.previous_response_id).toBe(warmId);
    expect(events.some((e) => e.type === 'response.output_text.delta')).toBe(true);

    rws.send({
      type: 'response.create',
      model: 'sim-chat',
      store: false,
      previous_response_id: 'resp_gone',
      input: 'x',
    });
    await until(() => errors.length === 1);
    expect(errors[0]).toEqual({ code: 'previous_response_not_found', status: 400 });

    const closed = new Promise<number>((resolve) => rws.on('close', (code) => resolve(code)));
    rws.close({ code: 1000, reason: 'done' });
    expect(await closed).toBe(1000);
  });
});
