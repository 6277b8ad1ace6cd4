import { createOpenAI } from '@ai-sdk/openai';
import { Agent, OpenAIProvider, Runner, setTracingDisabled } from '@openai/agents';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe.each(['on', 'off'] as const)(
  'L5 --responses-stream-done-sentinel %s: every client in the suite accepts it',
  { tags: ['L5'] },
  (setting) => {
    let h: GatewayHarness;
    beforeAll(async () => {
      setTracingDisabled(true);
      h = await startGateway({ logLevel: 'warn', streamDoneSentinel: setting });
    });
    afterAll(() => h.close());

    test('the wire ends with [DONE] exactly when the flag says so', async () => {
      for (const dialect of ['openai', 'open-responses']) {
        const s = await readSse(
          await postJson(
            `${h.url}/v1/responses`,
            { model: 'sim-chat', input: 'hi', stream: true },
            { 'x-responses-dialect': dialect },
          ),
        );
        expect(s.done).toBe(setting === 'on');
      }
    });

    test('openai-node responses.stream()', async () => {
      const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'k', maxRetries: 0 });
      const final = await client.responses.stream({ model: 'sim-chat', input: 'Say hello' }).finalResponse();
      expect(final.status).toBe('completed');
      expect(final.output_text.length).toBeGreaterThan(0);
    });

    test('OpenAI Agents SDK streamed run', async () => {
      const provider = new OpenAIProvider({
        openAIClient: new OpenAI({ baseURL: h.baseURL, apiKey: 'k', maxRetries: 0 }),
        useResponses: true,
      });
      const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
      const agent = new Agent({ name: 'Greeter', instructions: 'Greet.', model: 'sim-chat' });
      const result = await runner.run(agent, 'Say hello', { stream: true });
      for await (const _event of result) void _event;
      await result.completed;
      expect(typeof result.finalOutput).toBe('string');
      expect((result.finalOutput as string).length).toBeGreaterThan(0);
    });

    test('Vercel AI SDK streamText', async () => {
      const openai = createOpenAI({ baseURL: h.baseURL, apiKey: 'k' });
      const result = streamText({ model: openai.responses('sim-chat'), prompt: 'Say hello', maxRetries: 0 });
      let text = '';
      for await (const chunk of result.textStream) text += chunk;
      expect(text.length).toBeGreaterThan(0);
      expect(await result.finishReason).toBe('stop');
    });
  },
);
