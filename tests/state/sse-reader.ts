/**
 * Reads an SSE response event by event (the session tests act in the middle of a stream).
 */
import { createParser } from 'eventsource-parser';

export interface StreamEvent {
  type: string;
  sequence_number: number;
  [key: string]: unknown;
}

export class SseReader {
  readonly events: StreamEvent[] = [];
  done = false;
  private waiters: (() => void)[] = [];
  readonly finished: Promise<void>;

  constructor(response: Response) {
    if (!response.body) throw new Error('no body');
    const parser = createParser({
      onEvent: (message) => {
        if (message.data === '[DONE]') return;
        this.events.push(JSON.parse(message.data) as StreamEvent);
        this.wake();
      },
    });
    const body = response.body;
    this.finished = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      } catch {
        // A cut connection ends the stream like a normal end for the reader.
      }
      this.done = true;
      this.wake();
    })();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with the first event (from the start) matching `predicate`; rejects if the stream ends first. */
  async waitFor(predicate: (e: StreamEvent) => boolean): Promise<StreamEvent> {
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.done)
        throw new Error(`stream ended without the event; got ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once `count` events matching `predicate` arrived. */
  async waitForCount(predicate: (e: StreamEvent) => boolean, count: number): Promise<StreamEvent[]> {
    for (;;) {
      const found = this.events.filter(predicate);
      if (found.length >= count) return found;
      if (this.done) throw new Error(`stream ended with ${found.length}/${count} events`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
