import type { RecordingDiff, SequenceOp } from '../../../src-server/shared/recording-format/diff.js';

export interface OpGroup {
  op: SequenceOp['op'];
  type: string;
  count: number;
  /** The type also appears elsewhere on the other side: it moved rather than vanished. */
  reordered: boolean;
  /** First index on each side (for the row label). */
  a?: number;
  b?: number;
}

/** Consecutive ops of one kind and type become one row ("response.output_text.delta ×42"). */
export function groupOps(diff: Pick<RecordingDiff, 'sequence' | 'reordered'>): OpGroup[] {
  const moved = new Set(diff.reordered);
  const out: OpGroup[] = [];
  for (const o of diff.sequence) {
    const last = out[out.length - 1];
    if (last && last.op === o.op && last.type === o.type) {
      last.count++;
      continue;
    }
    out.push({
      op: o.op,
      type: o.type,
      count: 1,
      reordered: o.op !== 'same' && moved.has(o.type),
      a: 'a' in o ? o.a : undefined,
      b: 'b' in o ? o.b : undefined,
    });
  }
  return out;
}
