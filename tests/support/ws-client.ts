/**
 * A Responses WebSocket client for tests, on the `ws` library: opens `ws://…/v1/responses`, sends
 * `response.create` messages and collects each turn's frames the way the Open Responses
 * compliance suite does — a turn ends at a terminal response event or an error frame.
 */
import WebSocket from 'ws';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

export interface Turn {
  frames: Frame[];
  /** The terminal event's response, when the turn produced one. */
  response: Record<string, unknown> | null;
  /** The error frame, when the turn failed before a response. */
  error: Frame | null;
}

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

export class TestSocket {
  /** Every text frame received, in order, parsed. */
  readonly received: Frame[] = [];
  private waiting: (() => void)[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the gateway sent a binary frame');
      this.received.push(JSON.parse(String(data)) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      }),
    );
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/v1/responses', { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestSocket(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += String(c)));
        res.on('end', () =>
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })),
        );
      });
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Frames from index `from` up to and including the first terminal or error frame. */
  async nextTurn(from: number): Promise<Turn> {
    for (;;) {
      for (let i = from; i < this.received.length; i++) {
        const f = this.received[i];
        if (TERMINAL.has(f.type) || f.type === 'error') {
          // An SSE-style mid-stream `error` event (with sequence_number) is followed by response.failed.
          if (f.type === 'error' && typeof f.sequence_number === 'number') continue;
          const frames = this.received.slice(from, i + 1);
          return {
            frames,
            response: f.type === 'error' ? null : (f.response as Record<string, unknown>),
            error: f.type === 'error' ? f : null,
          };
        }
      }
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) before the turn ended`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Sends one message and waits for its turn to end. */
  async turn(message: unknown): Promise<Turn> {
    const from = this.received.length;
    this.send(message);
    return this.nextTurn(from);
  }

  close(): Promise<number> {
    if (this.closeCode === null) this.ws.close(1000);
    return this.closed;
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }
}
