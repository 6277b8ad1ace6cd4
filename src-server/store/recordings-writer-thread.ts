/**
 * The main thread's handle on the recordings writer thread: posts batches (one message per
 * event-loop tick), and gives synchronous read-your-writes — `waitFor(seq)` blocks on a shared
 * sequence number (Atomics.wait) until the thread has committed that batch, then the reports it
 * posted are read synchronously (receiveMessageOnPort). The store's API therefore stays
 * synchronous; only reads and rare edits wait, never the streaming path.
 *
 * The thread's entry is recordings-writer-worker.js beside this module when built; from the
 * TypeScript sources (tsx, tests) a small bootstrap loads the .ts entry, registering tsx in the
 * thread when the parent's loader hooks did not carry over. No entry file (a bundle that left it
 * out): `start` returns null and the store keeps writing on the main thread.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { WriterBatch, WriterInit } from './recordings-writer-worker.js';
import type { WriteOp, WriteReport } from './recordings-writer.js';
import { packOps } from './recordings-batch.js';

export interface WriterThreadOptions {
  file: string;
  maxBytes: number;
  busyTimeoutMs?: number;
  /** How long a synchronous wait may block before giving up (the thread is gone or stuck). */
  waitTimeoutMs?: number;
}

// tsx is registered in the thread before the entry is imported: the parent's loader hooks do not
// carry over to an eval'd worker on Node 20.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

function workerEntry(): { url: URL; tsx: string | null } | null {
  const js = new URL('./recordings-writer-worker.js', import.meta.url);
  if (js.protocol === 'file:' && fs.existsSync(fileURLToPath(js))) return { url: js, tsx: null };
  const ts = new URL('./recordings-writer-worker.ts', import.meta.url);
  if (ts.protocol !== 'file:' || !fs.existsSync(fileURLToPath(ts))) return null;
  let tsx: string | null = null;
  try {
    // The ESM build of tsx's API (require.resolve finds the CommonJS one, which fails to register from ESM).
    const api = createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs');
    if (fs.existsSync(api)) tsx = pathToFileURL(api).href;
  } catch {
    // No tsx: the parent's own loader hooks (inherited by the thread) must handle .ts.
  }
  return { url: ts, tsx };
}

export class WriterThread {
  private seq = 0;
  private readonly reports: WriteReport[] = [];
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly done: Int32Array,
    private readonly replies: MessagePort,
    private readonly waitTimeoutMs: number,
  ) {}

  /**
   * Starts the thread; resolves once it has opened its connection, or null when it cannot run
   * (no entry file, the thread failed to load). Nothing blocks meanwhile.
   */
  static start(options: WriterThreadOptions, onExit: (err: Error) => void): Promise<WriterThread | null> {
    const entry = workerEntry();
    if (!entry) return Promise.resolve(null);
    const done = new Int32Array(new SharedArrayBuffer(4));
    const channel = new MessageChannel();
    const init: WriterInit = {
      file: options.file,
      maxBytes: options.maxBytes,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      done,
      replies: channel.port2,
    };
    const worker =
      entry.tsx === null
        ? new Worker(entry.url, { workerData: init, transferList: [channel.port2] })
        : new Worker(BOOTSTRAP, {
            eval: true,
            execArgv: [],
            workerData: { ...init, entry: entry.url.href, tsx: entry.tsx },
            transferList: [channel.port2],
          });
    const thread = new WriterThread(worker, done, channel.port1, options.waitTimeoutMs ?? 30_000);
    return new Promise((resolve) => {
      let ready = false;
      worker.once('message', () => {
        ready = true;
        // Once running, the thread must not keep the process alive; close() ends it.
        worker.unref();
        resolve(thread);
      });
      const fail = (err: Error): void => {
        const wasOpen = !thread.closed;
        thread.closed = true;
        if (!ready) resolve(null);
        else if (wasOpen) onExit(err);
      };
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`The recordings writer thread exited (${code}).`)));
    });
  }

  /** Queues a batch; returns its sequence number. */
  post(ops: WriteOp[], counters: boolean, close = false): number {
    if (this.closed) throw new Error('The recordings writer thread is closed.');
    this.seq += 1;
    const batch: WriterBatch = { seq: this.seq, ops: packOps(ops), counters, close };
    this.worker.postMessage(batch);
    return this.seq;
  }

  get lastPosted(): number {
    return this.seq;
  }

  /** Blocks until batch `seq` is committed (or failed and reported). */
  waitFor(seq: number, timeoutMs = this.waitTimeoutMs): void {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = Atomics.load(this.done, 0);
      if (current >= seq) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`The recordings writer thread did not answer within ${timeoutMs} ms.`);
      Atomics.wait(this.done, 0, current, left);
    }
  }

  /** Reports posted so far (a truncation, a failed start, a bad row), oldest first. */
  drain(): WriteReport[] {
    for (;;) {
      const m = receiveMessageOnPort(this.replies) as { message: { report: WriteReport } } | undefined;
      if (!m) break;
      this.reports.push(m.message.report);
    }
    return this.reports.splice(0);
  }

  /** Commits a last batch, closes the thread's connection and ends the thread; returns the last reports. */
  close(ops: WriteOp[]): WriteReport[] {
    if (this.closed) return [];
    try {
      this.waitFor(this.post(ops, true, true));
      return this.drain();
    } finally {
      this.closed = true;
      this.replies.close();
      void this.worker.terminate();
    }
  }
}
