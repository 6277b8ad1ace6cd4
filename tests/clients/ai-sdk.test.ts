import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('Vercel AI SDK (openai.responses) against the gateway', { tags: ['B1'] }, () => {
  let h: GatewayHarness;
  let openai: ReturnType<typeof createOpenAI>;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn' });
    openai = createOpenAI({ baseURL: h.baseURL, apiKey: 'test-key' });
  });
  afterAll(async () => {
    // Strict stream validation in the gateway logs and fails any violating response.
    expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await h.close();
  });

  const weather = tool({
    description: 'Current weather for a city.',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, forecast: 'sunny-21C' }),
  });

  test('generateText', async () => {
    const result = await generateText({ model: openai.responses('sim-chat'), prompt: 'Say hello', maxRetries: 0 });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  test('generateText with a tool runs the tool and answers', async () => {
    const result = await generateText({
      model: openai.responses('sim-chat'),
      prompt: 'What is the weather in Paris? Use weather.',
      tools: { weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(result.steps.length).toBe(2);
    expect(result.steps[0].toolCalls.map((c) => c.toolName)).toContain('weather');
    expect(result.text).toContain('sunny-21C');
  });

  test('streamText with a tool', async () => {
    const result = streamText({
      model: openai.responses('sim-chat'),
      prompt: 'What is the weather in Paris? Use weather.',
      tools: { weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    let streamed = '';
    for await (const chunk of result.textStream) streamed += chunk;
    const steps = await result.steps;
    expect(steps[0].toolCalls.map((c) => c.toolName)).toContain('weather');
    expect(streamed).toContain('sunny-21C');
    expect(await result.finishReason).toBe('stop');
  });
});
