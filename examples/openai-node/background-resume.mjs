// A background response: it runs without the client. Start it streaming, leave after a few events,
// then resume the stream from the last sequence number seen (GET …?stream=true&starting_after=N).
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'unused' });
const model = process.env.MODEL ?? 'sim-chat';

const first = await client.responses.create({
  model,
  input: 'A long background story',
  background: true,
  stream: true,
});
let id;
let last = -1;
for await (const event of first) {
  id ??= event.response?.id;
  last = event.sequence_number;
  if (last >= 3) break; // leaving closes the connection; the response keeps running
}
console.log(`left ${id} after event ${last}`);

const resumed = await client.responses.retrieve(id, { stream: true, starting_after: last });
let next = last;
let status;
for await (const event of resumed) {
  if (event.sequence_number !== next + 1) throw new Error(`expected event ${next + 1}, got ${event.sequence_number}`);
  next = event.sequence_number;
  if (event.type === 'response.completed' || event.type === 'response.failed') status = event.response.status;
}
console.log(`resumed from ${last + 1} to ${next}: ${status}`);
const stored = await client.responses.retrieve(id);
console.log(stored.output_text);
if (status !== 'completed' || stored.status !== 'completed') process.exit(1);
