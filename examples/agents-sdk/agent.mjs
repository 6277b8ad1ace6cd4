// The OpenAI Agents SDK against the gateway: an agent with a function tool, run to its final output.
import { Agent, Runner, setDefaultOpenAIClient, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';

setTracingDisabled(true); // traces would go to OpenAI's platform
setDefaultOpenAIClient(new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'unused' }));

const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `Sunny, 21 C in ${city}`,
});
const agent = new Agent({
  name: 'Weather',
  instructions: 'Answer with the weather tool.',
  model: process.env.MODEL ?? 'sim-chat',
  tools: [getWeather],
});

const result = await new Runner().run(agent, 'What is the weather in Paris? Use get_weather.');
console.log(result.finalOutput);
if (!String(result.finalOutput).includes('Sunny, 21 C')) process.exit(1);
