/**
 * Child process of the crash-safety test: writes responses and recording events forever and
 * prints a line on stdout after each commit (stdout to a pipe is synchronous on POSIX, so a line
 * that arrived was written after its commit). The test SIGKILLs it in the middle of this loop.
 *
 * Usage: node --import tsx crash-writer.ts DATA_DIR
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { openStore } from '../index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-writer.ts DATA_DIR');

const store = openStore({
  dataDir,
  sweepIntervalMs: 0,
  onError: (err) => {
    // A failed background flush must not be followed by a line claiming it committed.
    console.error(err);
    process.exit(1);
  },
});
const recording = store.recordings.startRecording({ request: { model: 'm', input: 'crash' }, model: 'm' });
process.stdout.write(`recording ${recording}\n`);

const text = 'The quick brown fox jumps over the lazy dog. '.repeat(60);
let seq = 0;
for (let i = 0; ; i++) {
  const id = `resp_${String(i).padStart(6, '0')}`;
  const response = {
    id,
    object: 'response',
    created_at: 1_700_000_000 + i,
    status: 'completed',
    model: 'm',
    output: [{ id: `msg_${i}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
  };
  store.responses.saveResponse({
    response,
    inputItems: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: `question ${i}` }] },
      { type: 'function_call_output', call_id: `call_${i}`, output: text.slice(0, 200) },
    ],
    requestId: `req_${i}`,
  });
  process.stdout.write(`response ${id}\n`);
  const first = seq;
  for (let k = 0; k < 10; k++) {
    const data = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${seq},"delta":"${text.slice(0, 300)}"}\n\n`;
    store.recordings.appendEvent(recording, { seq, offsetMs: seq * 0.5, type: 'response.output_text.delta', data });
    seq += 1;
  }
  // The store's flush was queued before this tick, so it has committed when the tick resolves.
  await nextTick();
  process.stdout.write(`events ${first} ${seq - 1}\n`);
}
