/**
 * The load generator's HTTP client: raw `http.request` over a keep-alive agent and a minimal SSE
 * line splitter. Kept deliberately small so the client's own cost stays low and equal for the
 * direct and the gateway path.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface SseEvent {
  /** `event:` field, if the server sent one. */
  event: string | undefined;
  data: string;
  /** performance.now() when the chunk carrying the end of this event was read. */
  at: number;
}

export interface StreamRecord {
  status: number;
  /** performance.now() just before the request was sent. */
  startedAt: number;
  events: SseEvent[];
  /** Socket reads ('data' callbacks) on the response: an upper bound on the server's writes. */
  reads: number;
  /** Transport or HTTP failure; undefined when the stream ended normally. */
  error: string | undefined;
}

export interface Target {
  name: string;
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  agent: http.Agent;
}

export function makeTarget(name: string, url: string): Target {
  // maxSockets above the highest concurrency the scenarios use, so no request queues in the agent.
  // Idle sockets are dropped after 1 s, well before a server's keep-alive timeout (5 s in Node),
  // so a socket the server is closing is never reused (that race shows as 'socket hang up').
  return { name, url, agent: new http.Agent({ keepAlive: true, maxSockets: 1024, timeout: 1000 }) };
}

/**
 * Incremental SSE parser: feed it text chunks, it calls back once per complete event
 * (blank-line terminated). Comments (`:` lines) are ignored.
 */
export class SseSplitter {
  private buffer = '';
  private event: string | undefined;
  private data: string[] = [];

  constructor(private readonly onEvent: (event: string | undefined, data: string) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line);
    }
    this.buffer = this.buffer.slice(start);
  }

  /** Flushes an event left without its terminating blank line at end of stream. */
  end(): void {
    if (this.buffer.length > 0) this.line(this.buffer);
    this.buffer = '';
    this.line('');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent(this.event, this.data.join('\n'));
      this.event = undefined;
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}

/** POSTs a JSON body and records every SSE event with its arrival time. Never rejects. */
export function streamPost(
  target: Target,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<StreamRecord> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const record: StreamRecord = { status: 0, startedAt: 0, events: [], reads: 0, error: undefined };
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      if (error !== undefined && record.error === undefined) record.error = error;
      resolve(record);
    };
    const req = http.request(
      `${target.url}${path}`,
      {
        method: 'POST',
        agent: target.agent,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': String(payload.length),
          ...headers,
        },
      },
      (res) => {
        record.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        if (record.status !== 200) {
          let text = '';
          res.on('data', (c: string) => (text += c));
          res.on('end', () => finish(`HTTP ${record.status}: ${text.slice(0, 300)}`));
          res.on('error', (e) => finish(e.message));
          return;
        }
        let now = 0;
        const splitter = new SseSplitter((event, data) => record.events.push({ event, data, at: now }));
        res.on('data', (chunk: string) => {
          now = performance.now();
          record.reads++;
          splitter.push(chunk);
        });
        res.on('end', () => {
          splitter.end();
          finish();
        });
        res.on('error', (e) => finish(e.message));
        res.on('aborted', () => finish('response aborted'));
      },
    );
    req.on('error', (e) => finish(e.message));
    record.startedAt = performance.now();
    req.end(payload);
  });
}

/** GET returning parsed JSON (used for /v1/models). */
export function getJson(target: Target, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(`${target.url}${path}`, { agent: target.agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text));
          } catch (e) {
            reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)} (${(e as Error).message})`));
          }
        });
      })
      .on('error', reject);
  });
}

/** The first model a server lists at /v1/models (the simulator's default model). */
export async function firstModel(target: Target): Promise<string> {
  const list = (await getJson(target, '/v1/models')) as { data?: { id?: unknown }[] };
  const id = list.data?.[0]?.id;
  if (typeof id !== 'string') throw new Error(`${target.name} lists no model`);
  return id;
}
