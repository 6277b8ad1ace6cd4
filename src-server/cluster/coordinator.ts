/**
 * Live coordination between gateway instances through Redis (`--redis`, docs/deploy.md).
 *
 * - Where a live response runs: `live:{id}` names the instance holding a session-mode stream or a
 *   background run; it expires unless that instance renews it, so a dead instance's claims vanish.
 * - Requests for it on another instance (tool outputs, cancel, session state, live snapshot) are
 *   forwarded to the holder over pub/sub (`rpc:{instance}`, answer on `reply:{instance}`) and
 *   handled there by the same code as a local request: same 404/409/400/408 answers, and the
 *   first submission wins because one process decides.
 * - Background runs' events go to a Redis stream `events:{id}` (entry id `0-(seq+1)`), capped at
 *   the same number of events the local replay buffer would keep, and kept a while after the end,
 *   so `GET …?stream=true&starting_after=N` replays and follows from any instance.
 *
 * Redis going away never throws outside a request: claims and relays are best effort (logged),
 * and requests that need Redis answer 503 `coordination_unavailable` with Retry-After.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { errors, GatewayError, isGatewayError } from '../shared/protocol/errors.js';
import type { WireEvent } from '../engine/contract.js';

export interface CoordinatorOptions {
  url: string;
  /** Prefix of every key and channel (several deployments or test runs on one Redis). */
  prefix: string;
  instanceId: string;
  logger: Logger;
  /** Claims live this long unless renewed (renewed every third of it). */
  claimMs?: number;
  /** Most milliseconds one command waits for Redis's answer (default 10 s). */
  commandTimeoutMs?: number;
  /** How long a forwarded request waits for the holder's answer. */
  forwardTimeoutMs?: number;
  /** Most events a relayed background stream keeps. */
  streamMaxEvents?: number;
  /** How long a finished background stream stays readable. */
  streamLingerMs?: number;
}

export type ForwardOp = 'tool_outputs' | 'cancel' | 'session_state' | 'snapshot';

export interface ForwardRequest {
  op: ForwardOp;
  id: string;
  /** Owner scope of the caller (undefined = admin). */
  scope?: string;
  body?: unknown;
  bytes?: number;
}

/** What the holder answers: a JSON body, or the error it would have sent itself. */
export type ForwardAnswer =
  | { ok: true; body: unknown }
  | { ok: false; error: { status: number; type: string; code: string; message: string; param: string | null } };

export type ForwardHandler = (request: ForwardRequest) => Promise<unknown>;

interface Envelope {
  rid: string;
  from: string;
  request?: ForwardRequest;
  answer?: ForwardAnswer;
}

const CONNECT_OPTIONS = {
  lazyConnect: true,
  maxRetriesPerRequest: 1,
  connectTimeout: 3000,
  // Reconnects forever, at most every 2 s: Redis coming back brings the features back.
  retryStrategy: (times: number) => Math.min(200 * times, 2000),
};

export class ClusterCoordinator {
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly claims = new Set<string>();
  private readonly waiting = new Map<string, { resolve: (a: ForwardAnswer) => void; timer: NodeJS.Timeout }>();
  private readonly timer: NodeJS.Timeout;
  private readonly claimMs: number;
  private readonly forwardTimeoutMs: number;
  /** Most milliseconds a command (a blocking read: past its BLOCK) waits for Redis's answer. */
  private readonly commandTimeoutMs: number;
  private handler: ForwardHandler | null = null;
  private closed = false;
  readonly streamMaxEvents: number;
  private readonly streamLingerMs: number;

  constructor(private readonly options: CoordinatorOptions) {
    this.claimMs = options.claimMs ?? 15_000;
    this.forwardTimeoutMs = options.forwardTimeoutMs ?? 10_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.streamMaxEvents = options.streamMaxEvents ?? 10_000;
    this.streamLingerMs = options.streamLingerMs ?? 5 * 60_000;
    // Commands fail at once while Redis is away (no offline queue): a request gets its 503 now. A
    // Redis that stopped answering (frozen) fails them after the command timeout, not never.
    this.cmd = new Redis(options.url, {
      ...CONNECT_OPTIONS,
      enableOfflineQueue: false,
      commandTimeout: this.commandTimeoutMs,
    });
    this.sub = new Redis(options.url, CONNECT_OPTIONS);
    for (const [name, conn] of [
      ['commands', this.cmd],
      ['subscriber', this.sub],
    ] as const) {
      // Connection errors are expected while Redis is down: logged once per state change.
      let down = false;
      conn.on('error', (err: Error) => {
        if (down) return;
        down = true;
        options.logger.warn('redis unavailable', { connection: name, error: err.message });
      });
      conn.on('ready', () => {
        if (down) options.logger.info('redis available again', { connection: name });
        down = false;
      });
    }
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.timer = setInterval(() => void this.renewClaims(), Math.max(250, Math.floor(this.claimMs / 3)));
    this.timer.unref();
  }

  key(name: string): string {
    return `${this.options.prefix}${name}`;
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** Connects both connections (a Redis that is down is not fatal: they keep retrying). */
  async start(handler: ForwardHandler): Promise<void> {
    this.handler = handler;
    await Promise.allSettled([this.cmd.connect(), this.sub.connect()]);
    // Queued by the subscriber until it is connected; resubscribed after every reconnect.
    void this.sub
      .subscribe(this.key(`rpc:${this.instanceId}`), this.key(`reply:${this.instanceId}`))
      .catch((err: Error) => this.options.logger.warn('redis subscribe failed', { error: err.message }));
  }

  get available(): boolean {
    return this.cmd.status === 'ready' && this.sub.status === 'ready';
  }

  /** Throws the 503 that live features answer while Redis is away. */
  requireAvailable(feature: string): void {
    if (!this.available) throw errors.coordinationUnavailable(feature);
  }

  async health(): Promise<{ ok: boolean; error?: string }> {
    try {
      await this.cmd.ping();
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err as Error).message.slice(0, 120) };
    }
  }

  // ---- claims: which instance holds a live response ----

  /** This instance holds `id` (a session stream or a background run) until release(). */
  claim(id: string): void {
    this.claims.add(id);
    this.cmd.set(this.key(`live:${id}`), this.instanceId, 'PX', this.claimMs).catch((err: Error) => {
      this.options.logger.warn('redis claim failed', { responseId: id, error: err.message });
    });
  }

  release(id: string): void {
    this.claims.delete(id);
    // Only our own claim goes (a Lua compare-and-delete).
    this.cmd
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
        1,
        this.key(`live:${id}`),
        this.instanceId,
      )
      .catch(() => undefined);
  }

  /** The instance holding `id`, or null (nobody; or Redis is away: `requireAvailable` first). */
  async holder(id: string): Promise<string | null> {
    try {
      return await this.cmd.get(this.key(`live:${id}`));
    } catch {
      throw errors.coordinationUnavailable('live responses on other instances');
    }
  }

  private async renewClaims(): Promise<void> {
    if (this.claims.size === 0 || !this.available) return;
    const pipeline = this.cmd.pipeline();
    for (const id of this.claims) pipeline.set(this.key(`live:${id}`), this.instanceId, 'PX', this.claimMs);
    await pipeline.exec().catch(() => undefined);
  }

  // ---- forwarding requests to the holder ----

  /**
   * Sends a request to `instance` and waits for its answer; errors come back as GatewayErrors.
   * Undefined when no instance listens under that id (it is gone; its claim outlived it).
   */
  async forward(instance: string, request: ForwardRequest): Promise<unknown> {
    this.requireAvailable('live responses on other instances');
    const rid = randomUUID();
    const answer = new Promise<ForwardAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rid);
        resolve({
          ok: false,
          error: {
            status: 503,
            type: 'server_error',
            code: 'coordination_unavailable',
            message: `The gateway instance holding response '${request.id}' did not answer.`,
            param: null,
          },
        });
      }, this.forwardTimeoutMs);
      timer.unref();
      this.waiting.set(rid, { resolve, timer });
    });
    const envelope: Envelope = { rid, from: this.instanceId, request };
    const receivers = await this.cmd.publish(this.key(`rpc:${instance}`), JSON.stringify(envelope)).catch(() => -1);
    if (receivers <= 0) {
      const pending = this.waiting.get(rid);
      if (pending) clearTimeout(pending.timer);
      this.waiting.delete(rid);
      // Nobody listens: the instance is gone (its claim outlived it) or Redis is away.
      if (receivers < 0) throw errors.coordinationUnavailable('live responses on other instances');
      return undefined;
    }
    const result = await answer;
    if (result.ok) return result.body;
    const e = result.error;
    throw new GatewayError(
      e.status,
      e.type as GatewayError['type'],
      e.code,
      e.message,
      e.param,
      e.status === 503 ? { 'retry-after': '2', 'retry-after-ms': '2000' } : {},
    );
  }

  private onMessage(channel: string, message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (channel === this.key(`reply:${this.instanceId}`)) {
      const pending = this.waiting.get(envelope.rid);
      if (!pending || !envelope.answer) return;
      clearTimeout(pending.timer);
      this.waiting.delete(envelope.rid);
      pending.resolve(envelope.answer);
      return;
    }
    if (channel !== this.key(`rpc:${this.instanceId}`) || !envelope.request || !this.handler) return;
    const reply = (answer: ForwardAnswer): void => {
      const out: Envelope = { rid: envelope.rid, from: this.instanceId, answer };
      this.cmd.publish(this.key(`reply:${envelope.from}`), JSON.stringify(out)).catch((err: Error) => {
        this.options.logger.warn('redis reply failed', { error: err.message });
      });
    };
    this.handler(envelope.request).then(
      (body) => reply({ ok: true, body }),
      (err: unknown) => {
        if (!isGatewayError(err)) this.options.logger.error('forwarded request failed', { err });
        const g = isGatewayError(err) ? err : errors.internal('The forwarded request failed.');
        reply({
          ok: false,
          error: { status: g.status, type: g.type, code: g.code, message: g.message, param: g.param },
        });
      },
    );
  }

  // ---- background events relayed through a Redis stream ----

  /** Appends one event of a background run (fire and forget; a failure is logged by the caller). */
  relayEvent(id: string, event: WireEvent): Promise<unknown> {
    return this.cmd.xadd(
      this.key(`events:${id}`),
      'MAXLEN',
      '~',
      String(this.streamMaxEvents),
      `0-${event.sequence_number + 1}`,
      'e',
      JSON.stringify(event),
    );
  }

  /** The run ended after event `lastSeq`: an end marker, then the events stay readable for a while. */
  async endRelay(id: string, lastSeq: number): Promise<void> {
    const key = this.key(`events:${id}`);
    await this.cmd.xadd(key, `0-${lastSeq + 2}`, 'end', '1');
    await this.cmd.pexpire(key, this.streamLingerMs);
  }

  /** Sequence number of the oldest event still in the stream; null when there is no stream. */
  async firstRelayed(id: string): Promise<number | null> {
    try {
      const first = await this.cmd.xrange(this.key(`events:${id}`), '-', '+', 'COUNT', 1);
      return first.length === 0 ? null : Number(first[0][0].split('-')[1]) - 1;
    } catch {
      throw errors.coordinationUnavailable('background streams on other instances');
    }
  }

  /**
   * Reads the events after sequence number `after` on a follower connection, waiting up to
   * `blockMs` for new ones. `ended` is true once the run's end marker was read.
   */
  async readRelayed(
    conn: Redis,
    id: string,
    after: number,
    blockMs: number,
  ): Promise<{ events: WireEvent[]; ended: boolean }> {
    const reply = await conn.xread(
      'COUNT',
      500,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.key(`events:${id}`),
      `0-${after + 1}`,
    );
    const events: WireEvent[] = [];
    let ended = false;
    for (const [, entries] of reply ?? []) {
      for (const [, fields] of entries) {
        if (fields[0] === 'end') ended = true;
        else events.push(JSON.parse(fields[1]) as WireEvent);
      }
    }
    return { events, ended };
  }

  /** The command connection (shared rate-limit buckets run their script on it). */
  get commands(): Redis {
    return this.cmd;
  }

  /** A connection of its own for blocking reads (one per follower, closed by the caller). */
  follower(): Redis {
    // A blocking read waits as long as its BLOCK argument (and a little more), never forever.
    return this.cmd.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined,
      blockingTimeout: this.commandTimeoutMs,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    for (const id of [...this.claims]) this.release(id);
    await Promise.allSettled([this.cmd.quit(), this.sub.quit()]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}
