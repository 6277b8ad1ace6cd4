/**
 * Request pieces shared by the client, state, surface and recording tests.
 */
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import type { FunctionTool } from 'openai/resources/responses/responses';
import { z } from 'zod';

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

/**
 * An Agents SDK agent on `sim-chat` with one `get_weather` tool that answers "Sunny, 21 C in
 * <city>"; `cities` records the city of every call the SDK ran.
 */
export function weatherAgent(instructions = 'Answer with the weather tool.'): { agent: Agent; cities: string[] } {
  const cities: string[] = [];
  const getWeather = tool({
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      cities.push(city);
      return `Sunny, 21 C in ${city}`;
    },
  });
  return { agent: new Agent({ name: 'Weather', instructions, model: 'sim-chat', tools: [getWeather] }), cities };
}
