/**
 * feedParts: a stream of parts delivered to a sink (contract.ts `PartSink`), the one way the engine
 * consumes a backend's stream. A stream that pushes its parts itself (`PushedParts`: the HTTP
 * adapters' `PartStream`) is handed the sink; any other async iterable (a wrapper that adds parts,
 * a test's generator) is pulled here one part at a time and pushed on, with the same hold,
 * release and close.
 */
import type { PartFeed, PartSink, PushedParts } from './contract.js';

export function feedParts<P>(parts: AsyncIterable<P>, sink: PartSink<P>): PartFeed {
  if (typeof (parts as Partial<PushedParts<P>>).pushTo === 'function') return (parts as PushedParts<P>).pushTo(sink);
  const feed = new PulledFeed(parts[Symbol.asyncIterator](), sink);
  void feed.run();
  return feed;
}

class PulledFeed<P> implements PartFeed {
  private held = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly iterator: AsyncIterator<P>,
    private readonly sink: PartSink<P>,
  ) {}

  /** Never rejects: a failing iterator ends the sink with its error. */
  async run(): Promise<void> {
    try {
      for (;;) {
        if (this.held) await new Promise<void>((resolve) => (this.wake = resolve));
        if (this.closed) return;
        const next = await this.iterator.next();
        if (this.closed) return;
        if (next.done) break;
        if (!this.sink.part(next.value)) this.held = true;
      }
    } catch (error) {
      if (!this.closed) this.sink.end(error);
      return;
    }
    this.sink.end();
  }

  release(): void {
    this.held = false;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    returnQuietly(this.iterator);
  }
}

/** Releases a stream that was never fed (its consumer stopped before reading it). */
export function closeParts<P>(parts: AsyncIterable<P>): void {
  returnQuietly(parts[Symbol.asyncIterator]());
}

function returnQuietly<P>(iterator: AsyncIterator<P>): void {
  // An iterator that fails to return has nothing left to release.
  try {
    Promise.resolve(iterator.return?.()).catch(() => undefined);
  } catch {
    // Thrown synchronously: the same.
  }
}
