/**
 * The SSE stream of a background response (E5, E8), for `GET /v1/responses/{id}?stream=true` and
 * for a `background: true, stream: true` create request: the events buffered after
 * `starting_after`, then live ones, read from the run's replay buffer (engine/background-runs.ts)
 * at the client's pace — or, for a run held by another instance, from its Redis relay. A client
 * that leaves only stops following: the background response keeps running.
 */
import type { GatewayConfig } from '../config/flags.js';
import { bufferedAfter, onNewEvents } from '../engine/background-runs.js';
import type { ResponseObject } from '../engine/contract.js';
import { RUNNING_STATUSES } from '../store/responses-store.js';
import { errors, isGatewayError, streamErrorFields, type GatewayError } from '../shared/protocol/errors.js';
import type { StateService } from '../state/service.js';
import { ownerScope } from '../tenancy/owner.js';
import { dialectFor } from './request-headers.js';
import type { RequestContext } from './respond.js';
import { SseWriter, sseHeaders, sseOptions, streamBackpressure } from './sse-writer.js';
import type { StreamBudget } from './stream-budget.js';

export interface BackgroundStreamDeps {
  config: GatewayConfig;
  state: StateService;
  /** Unsent bytes of all streams (E8, `--responses-stream-max-buffered-total-bytes`). */
  streamBudget: StreamBudget;
}

/** The terminal event that closes a relayed stream, by the stored response's final status. */
const STORED_TERMINAL: Record<string, string> = {
  completed: 'response.completed',
  failed: 'response.failed',
  incomplete: 'response.incomplete',
  cancelled: 'response.failed',
};

/** `GET /v1/responses/{id}?stream=true&starting_after=N`: buffered events after N, then live. */
export async function resumeStream(ctx: RequestContext, deps: BackgroundStreamDeps, id: string): Promise<void> {
  const raw = ctx.query.get('starting_after');
  const startingAfter = raw === null ? -1 : Number(raw);
  if (!Number.isInteger(startingAfter) || startingAfter < -1)
    throw errors.invalidValue('starting_after', `Invalid 'starting_after': expected a sequence number, got '${raw}'.`);
  const scope = ownerScope(ctx.principal);
  const entry = deps.state.background.get(id, scope);
  if (!entry) {
    // Not running here: another instance's run streams from its relay; otherwise a 400 or a 404.
    const stored = await deps.state.store.responses.has(id, scope);
    const cluster = deps.state.cluster;
    const first = stored && cluster ? await cluster.firstRelayed(id) : null;
    if (cluster && first !== null) return relayedStream(ctx, deps, cluster, id, startingAfter, first);
    if (stored)
      throw errors.invalidValue(
        'stream',
        `The events of response '${id}' are not available: only background responses can be streamed again, while running or shortly after.`,
      );
    throw errors.responseNotFound(id);
  }
  if (startingAfter < entry.droppedThrough)
    throw errors.invalidValue(
      'starting_after',
      `Events up to sequence number ${entry.droppedThrough} are no longer buffered (--responses-background-buffer-max-bytes).`,
    );
  const dialect = dialectFor(ctx.req, deps.config.dialect);
  ctx.out.head(200, sseHeaders(ctx));
  let last = startingAfter;
  let failed = false;
  // Over the gateway-wide bound this follower stops with an error; the background response goes on.
  const stop = (error: GatewayError): void => {
    if (failed || w.isEnded) return;
    failed = true;
    w.write({ type: 'error', sequence_number: last + 1, ...streamErrorFields(error) });
    wake();
  };
  // A follower that leaves only stops following: the background response keeps running (E5).
  const w = new SseWriter(
    ctx.out,
    sseOptions(deps.config, dialect, ctx.log, {
      onDisconnect: () => wake(),
      backpressure: streamBackpressure(deps.config, deps.streamBudget, stop),
    }),
  );
  // E8: the follower reads the run's replay buffer at its client's pace instead of queueing
  // events of its own; it waits for 'drain' or for the next event.
  let wake: () => void = () => undefined;
  const unsubscribe = onNewEvents(entry, () => wake());
  try {
    for (;;) {
      const buffered = bufferedAfter(entry, last);
      if (buffered === null) stop(errors.streamFellBehind(last));
      else
        for (let i = buffered.from; i < buffered.events.length && !w.whenWritable() && !w.isEnded; i++) {
          w.write(buffered.events[i]);
          last = buffered.events[i].sequence_number;
        }
      const newest = entry.events[entry.events.length - 1]?.sequence_number ?? -1;
      if (failed || w.isEnded || (entry.final && last >= newest)) break;
      const next = new Promise<void>((resolve) => (wake = resolve));
      await (w.whenWritable() ?? next);
    }
  } finally {
    unsubscribe();
    // The terminal event is still queued in the writer: stored first, then sent (M6).
    await deps.state.flushFinalSaves();
    w.end();
  }
}

/** How long one blocking read of a relayed stream waits before checking the client and the store. */
const RELAY_BLOCK_MS = 2000;

/**
 * A background run of another instance, streamed again from its Redis relay: the events after
 * `startingAfter`, then live ones until the run's end marker. If the run's instance dies the
 * relay stops growing: once the store shows the response finished (its lease ran out), the
 * stream ends too.
 */
async function relayedStream(
  ctx: RequestContext,
  deps: BackgroundStreamDeps,
  cluster: NonNullable<BackgroundStreamDeps['state']['cluster']>,
  id: string,
  startingAfter: number,
  firstSeq: number,
): Promise<void> {
  if (startingAfter < firstSeq - 1)
    throw errors.invalidValue(
      'starting_after',
      `Events up to sequence number ${firstSeq - 1} are no longer buffered (--responses-background-buffer-max-bytes).`,
    );
  const dialect = dialectFor(ctx.req, deps.config.dialect);
  const conn = cluster.follower();
  conn.on('error', () => undefined);
  let gone = false;
  let overflowed = false;
  let after = startingAfter;
  ctx.out.head(200, sseHeaders(ctx));
  const w = new SseWriter(
    ctx.out,
    sseOptions(deps.config, dialect, ctx.log, {
      onDisconnect: () => {
        gone = true;
        conn.disconnect();
      },
      // E8, as for a local follower: the next block is read from Redis at the client's pace.
      backpressure: streamBackpressure(deps.config, deps.streamBudget, (error) => {
        overflowed = true;
        w.write({ type: 'error', sequence_number: after + 1, ...streamErrorFields(error) });
      }),
    }),
  );
  try {
    for (;;) {
      if (gone) return;
      const { events, ended } = await cluster.readRelayed(conn, id, after, RELAY_BLOCK_MS);
      let hole = false;
      for (const event of events) {
        // Events the run's instance could not relay (Redis was away) are missing: the client is
        // told, rather than handed a stream with a hole in it.
        if (event.sequence_number !== after + 1) {
          hole = true;
          break;
        }
        w.write(event);
        after = event.sequence_number;
      }
      if (hole) throw errors.coordinationUnavailable('background streams on other instances');
      if (ended || overflowed) break;
      const waiting = w.whenWritable();
      if (waiting) await waiting;
      if (events.length === 0) {
        const stored = await deps.state.store.responses.getResponse<ResponseObject>(id);
        if (stored && RUNNING_STATUSES.includes(stored.response.status ?? '')) continue;
        // Its instance stopped without an end marker: the stored final state closes the stream.
        const type = stored ? STORED_TERMINAL[stored.response.status ?? ''] : undefined;
        if (stored && type) w.write({ type, sequence_number: after + 1, response: stored.response });
        break;
      }
    }
  } catch (err) {
    if (!gone) {
      ctx.log.warn('following a relayed background stream failed', { responseId: id, err });
      // The client learns why its stream stops here (the run itself may go on elsewhere).
      const error = isGatewayError(err) ? err : errors.coordinationUnavailable('background streams on other instances');
      if (!w.isEnded) w.write({ type: 'error', sequence_number: after + 1, ...streamErrorFields(error) });
    }
  } finally {
    conn.disconnect();
    if (!gone) w.end();
  }
}
