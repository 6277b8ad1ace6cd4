// Streaming with openai-node's responses.stream(): text as it arrives, then the final response.
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'unused' });
const model = process.env.MODEL ?? 'sim-chat';

const stream = client.responses.stream({ model, input: 'Tell me a short story' });
let deltas = 0;
stream.on('response.output_text.delta', (event) => {
  deltas += 1;
  process.stdout.write(event.delta);
});
const final = await stream.finalResponse();
console.log(`\n${deltas} deltas; ${final.status}; ${final.usage?.output_tokens} output tokens`);
if (final.status !== 'completed' || deltas === 0) process.exit(1);
