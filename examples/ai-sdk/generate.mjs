// The Vercel AI SDK with the Responses API provider: text, then a tool call and its answer.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';

const openai = createOpenAI({
  baseURL: process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:8080/v1',
  apiKey: process.env.OPENAI_API_KEY ?? 'unused',
});
const model = openai.responses(process.env.MODEL ?? 'sim-chat');

const hello = await generateText({ model, prompt: 'Say hello' });
console.log(hello.text);

const weather = tool({
  description: 'Current weather for a city.',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, forecast: 'sunny-21C' }),
});
const answer = await generateText({
  model,
  prompt: 'What is the weather in Paris? Use weather.',
  tools: { weather },
  stopWhen: stepCountIs(3),
});
console.log(answer.steps[0].toolCalls.map((c) => c.toolName).join(', '), '→', answer.text);
if (hello.text.length === 0 || !answer.text.includes('sunny-21C')) process.exit(1);
