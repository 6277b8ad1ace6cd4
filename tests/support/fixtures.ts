/**
 * Request pieces shared by the client, state, surface and recording tests.
 */
import { OpenAIProvider, Runner, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';
import type { FunctionTool } from 'openai/resources/responses/responses';

/** A strict function tool the simulator answers with schema-valid arguments. */
export const weatherTool: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

/** An Agents SDK runner whose model provider talks to the gateway at `baseURL` (tracing off). */
export function agentsRunner(baseURL: string, client?: OpenAI): Runner {
  setTracingDisabled(true);
  const provider = new OpenAIProvider({
    openAIClient: client ?? new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 }),
    useResponses: true,
  });
  return new Runner({ modelProvider: provider, tracingDisabled: true });
}
