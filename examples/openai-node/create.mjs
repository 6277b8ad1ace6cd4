// A response with openai-node. The client reads OPENAI_BASE_URL (the gateway's /v1 URL) and
// OPENAI_API_KEY from the environment; MODEL names a backend model (the simulator's: sim-chat).
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'unused' });
const model = process.env.MODEL ?? 'sim-chat';

const response = await client.responses.create({ model, input: 'Say hello' });
console.log(response.id, response.status);
console.log(response.output_text);
if (response.status !== 'completed' || response.output_text.length === 0) process.exit(1);
