/**
 * Entry of the recordings writer thread (recordings-writer-thread.ts starts it). It opens its own
 * connection to the store's file — WAL lets it write while the main thread reads — and commits
 * each batch as it arrives, in order, one transaction per batch (or per backlog, see below). After a batch it posts the
 * report (when there is something to say) and then bumps the shared sequence number, so a main
 * thread blocked on that number finds the report already queued.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { RecordingsWriter } from './recordings-writer.js';
import { unpackOps, type PackedOps } from './recordings-batch.js';

export interface WriterInit {
  file: string;
  maxBytes: number;
  busyTimeoutMs: number;
  /** [0]: sequence number of the last batch applied. */
  done: Int32Array;
  replies: MessagePort;
}

export interface WriterBatch {
  seq: number;
  /** The batch's ops in columns (recordings-batch.ts). */
  ops: PackedOps;
  /** Store every pending per-recording counter too (before reads, periodically). */
  counters: boolean;
  /** Last batch: close the connection after it. */
  close?: boolean;
}

const init = workerData as WriterInit;
const db = new BetterSqlite3(init.file);
// Per-connection settings, as in database.ts (journal_mode=WAL is a property of the file).
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma(`busy_timeout = ${Math.max(0, Math.floor(init.busyTimeoutMs))}`);
const writer = new RecordingsWriter(db, init.maxBytes);
// Ready: the store switches its writes here from now on.
parentPort?.postMessage('ready');

const port = parentPort;
port?.on('message', (first: WriterBatch) => {
  // Batches that queued up while the last commit ran go into one transaction: nothing waits
  // longer for it, and a backlog drains at the cost of one commit instead of one per batch.
  const batches = [first];
  while (port && !batches[batches.length - 1].close) {
    const next = receiveMessageOnPort(port) as { message: WriterBatch } | undefined;
    if (!next) break;
    batches.push(next.message);
  }
  const last = batches[batches.length - 1];
  const ops = batches.flatMap((b) => unpackOps(b.ops));
  const report = writer.apply(
    ops,
    batches.some((b) => b.counters),
  );
  // `finished` is left out: the store already answered finishRecording for recordings it started.
  if (report.truncated.length + report.failedStarts.length + report.errors.length > 0)
    init.replies.postMessage({ seq: last.seq, report });
  if (last.close) db.close();
  Atomics.store(init.done, 0, last.seq);
  Atomics.notify(init.done, 0);
  if (last.close) port?.close();
});
