import type { Runner } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { agentsRunner, weatherAgent } from '../support/fixtures.js';

describe('M6 Agents SDK with server-managed state (previousResponseId)', { tags: ['M6'] }, () => {
  let h: GatewayHarness;
  let runner: Runner;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn' });
    runner = agentsRunner(h.baseURL);
  });
  afterAll(async () => {
    expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await h.close();
  });

  test('a tool run chained by previous_response_id, then a follow-up run from its last response', async () => {
    const { agent, cities } = weatherAgent('Use the weather tool.');
    const seed = await runner.run(agent, 'Hello there');
    expect(seed.lastResponseId).toMatch(/^resp_/);
    // With previousResponseId the SDK sends only new items; the gateway rebuilds the rest from the store.
    const first = await runner.run(agent, 'What is the weather? Use get_weather.', {
      previousResponseId: seed.lastResponseId,
    });
    expect(cities.length).toBeGreaterThan(0);
    expect(first.finalOutput).toContain('Sunny, 21 C');
    const stored = await fetch(`${h.url}/v1/responses/${String(first.lastResponseId)}`);
    const body = (await stored.json()) as { previous_response_id: string | null; status: string };
    expect(body.status).toBe('completed');
    expect(body.previous_response_id).toMatch(/^resp_/);
    const followUp = await runner.run(agent, 'Thanks!', { previousResponseId: first.lastResponseId });
    expect(typeof followUp.finalOutput).toBe('string');
  });
});
