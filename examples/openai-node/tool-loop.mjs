// The standard tool loop: the model calls a function, the client runs it and sends the output in
// a new request that continues the first one (previous_response_id).
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'unused' });
const model = process.env.MODEL ?? 'sim-chat';

const tools = [
  {
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
  },
];
const getWeather = ({ city }) => `Sunny, 21 C in ${city}`;

let response = await client.responses.create({ model, tools, input: 'What is the weather in Paris? Use get_weather.' });
for (let turn = 0; turn < 5; turn++) {
  const calls = response.output.filter((item) => item.type === 'function_call');
  if (calls.length === 0) break;
  const outputs = calls.map((call) => {
    console.log(`call ${call.name}(${call.arguments})`);
    return { type: 'function_call_output', call_id: call.call_id, output: getWeather(JSON.parse(call.arguments)) };
  });
  response = await client.responses.create({ model, tools, previous_response_id: response.id, input: outputs });
}
console.log(response.output_text);
if (!response.output_text.includes('Sunny, 21 C')) process.exit(1);
