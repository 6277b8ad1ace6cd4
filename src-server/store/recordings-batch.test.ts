import { describe, expect, it } from 'vitest';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { packOps, unpackOps, type PackedOps } from './recordings-batch.js';
import type { StartRow, WriteOp } from './recordings-writer.js';

const start = (id: string): WriteOp => ({
  op: 'start',
  row: {
    id,
    request_id: 'req_1',
    response_id: null,
    session_id: 'ses_1',
    created_at: 1,
    name: null,
    tags: '[]',
    request: '{}',
    model: 'm',
    bytes: 2,
    owner: 'o',
    request_kind: 'create',
    input_preview: null,
    rerun_of: null,
  } satisfies StartRow,
});

describe('packOps / unpackOps', () => {
  it('gives back the same ops in the same order after a structured clone, events between starts, actions and finishes', () => {
    const ops: WriteOp[] = [
      start('rec_a'),
      { op: 'event', id: 'rec_a', bytes: 5, seq: 0, offsetMs: 0.25, type: 'response.created', data: 'data1' },
      start('rec_b'),
      { op: 'event', id: 'rec_b', bytes: 3, seq: 0, offsetMs: 1.5, type: 'http.body', data: new Uint8Array([1, 2, 3]) },
      {
        op: 'event',
        id: 'rec_a',
        bytes: 6,
        seq: 1,
        offsetMs: 2.75,
        type: 'response.output_text.delta',
        data: 'é data',
      },
      { op: 'action', id: 'rec_a', bytes: 2, seq: 0, offsetMs: 3, kind: 'tool_outputs', data: '{}' },
      { op: 'event', id: 'rec_a', bytes: 6, seq: 2, offsetMs: 4, type: 'response.output_text.delta', data: 'more' },
      {
        op: 'finish',
        row: {
          id: 'rec_a',
          response_id: 'resp_1',
          session_id: null,
          http_status: 200,
          response_headers: null,
          model: 'm',
          tools_used: null,
          text_preview: 'x',
          status: 'completed',
          duration_ms: 12,
        },
      },
    ];
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packOps(ops));
    const received = receiveMessageOnPort(port2) as { message: PackedOps };
    port1.close();
    const back = unpackOps(received.message);
    expect(back).toEqual(ops);
    // Ids and types that repeat are sent once.
    expect(received.message.names).toEqual([
      'rec_a',
      'response.created',
      'rec_b',
      'http.body',
      'response.output_text.delta',
    ]);
  });

  it('packs an empty batch', () => {
    expect(unpackOps(packOps([]))).toEqual([]);
  });
});
