import { Agent, type Runner, tool } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { agentsRunner } from '../support/fixtures.js';

describe('OpenAI Agents SDK against the gateway', { tags: ['B1'] }, () => {
  let h: GatewayHarness;
  let runner: Runner;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn' });
    runner = agentsRunner(h.baseURL);
  });
  afterAll(async () => {
    // Strict stream validation in the gateway logs and fails any violating response.
    expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await h.close();
  });

  const calls: string[] = [];
  const getWeather = tool({
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city);
      return `Sunny, 21 C in ${city}`;
    },
  });

  test.each([false, true])('an agent with a function tool runs to its final output (stream: %s)', async (stream) => {
    calls.length = 0;
    const agent = new Agent({
      name: 'Weather',
      instructions: 'Answer with the weather tool.',
      model: 'sim-chat',
      tools: [getWeather],
    });
    let finalOutput: unknown;
    if (stream) {
      const result = await runner.run(agent, 'What is the weather in Paris? Use get_weather.', { stream: true });
      for await (const _event of result) void _event;
      await result.completed;
      finalOutput = result.finalOutput;
    } else {
      const result = await runner.run(agent, 'What is the weather in Paris? Use get_weather.');
      finalOutput = result.finalOutput;
    }
    expect(calls.length).toBeGreaterThan(0);
    expect(typeof finalOutput).toBe('string');
    expect(finalOutput as string).toContain('Sunny, 21 C');
  });
});
