// Session mode: with the X-Responses-Session header a streaming response that calls tools stays
// open; the outputs are posted to /v1/responses/{id}/tool_outputs and generation continues in the
// same response and the same stream (sequence numbers go on).
import OpenAI from 'openai';

const baseURL = process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:8080/v1';
const apiKey = process.env.OPENAI_API_KEY ?? 'unused';
const client = new OpenAI({ baseURL, apiKey });
const model = process.env.MODEL ?? 'sim-chat';

const tools = [
  {
    type: 'function',
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

const stream = await client.responses.create(
  { model, tools, input: 'What is the weather in Paris? Use get_weather.', stream: true },
  { headers: { 'x-responses-session': 'on' } },
);
let id;
let final;
for await (const event of stream) {
  if (event.type === 'response.created') id = event.response.id;
  if (event.type === 'response.output_item.done' && event.item.type === 'function_call') {
    const { city } = JSON.parse(event.item.arguments);
    console.log(`call ${event.item.name}(${event.item.arguments}) → answering into the live stream`);
    // The SDK has no method for this route: a plain POST.
    const res = await fetch(`${baseURL}/responses/${id}/tool_outputs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ tool_outputs: [{ call_id: event.item.call_id, output: `Sunny, 21 C in ${city}` }] }),
    });
    if (!res.ok) throw new Error(`tool_outputs: ${res.status} ${await res.text()}`);
  }
  if (event.type === 'response.completed') final = event.response;
}
const types = final.output.map((item) => item.type);
// Raw stream events carry the Response as sent (no SDK `output_text` helper): join the text parts.
const text = final.output
  .filter((item) => item.type === 'message')
  .flatMap((item) => item.content.map((part) => part.text ?? ''))
  .join('');
console.log(types.join(', '));
console.log(text);
// One response holds the call, its output and the answer.
if (!types.includes('function_call_output') || !text.includes('Sunny, 21 C')) process.exit(1);
