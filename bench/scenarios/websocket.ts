/**
 * The WebSocket transport against SSE on the same gateway: time to the first event and to the
 * terminal event of one response, taking turns (an SSE POST, then a `response.create` on one
 * socket kept open, as Codex does). Also a store:false chain on the socket, where each turn
 * continues from the previous one through the connection-local state.
 */
import WebSocket from 'ws';
import { one, type Pacing } from '../lib/load.js';
import { round, summarize } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const PACING: Pacing = { deltas: 8, ttftMs: 0, tokenMs: 0 };
const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

interface Turn {
  firstMs: number;
  endMs: number;
  frames: number;
  id: string;
  status: string;
}

function turn(ws: WebSocket, message: Record<string, unknown>): Promise<Turn> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = -1;
    let frames = 0;
    const onMessage = (data: WebSocket.RawData): void => {
      const frame = JSON.parse(String(data)) as { type: string; response?: { id: string; status: string } };
      frames++;
      if (first < 0) first = performance.now() - t0;
      if (frame.type === 'error') {
        ws.off('message', onMessage);
        reject(new Error(`error frame: ${String(data).slice(0, 300)}`));
      } else if (TERMINAL.has(frame.type)) {
        ws.off('message', onMessage);
        resolve({
          firstMs: first,
          endMs: performance.now() - t0,
          frames,
          id: frame.response?.id ?? '',
          status: frame.response?.status ?? '',
        });
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'response.create', ...message }));
  });
}

export const websocket: Scenario = {
  id: 'websocket',
  title: 'WebSocket transport versus SSE, 1 stream',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const gw = await ctx.startGateway();
    const failures: string[] = [];
    const url = `${gw.process.url.replace(/^http/, 'ws')}/v1/responses`;
    const open = async (): Promise<WebSocket> => {
      const socket = new WebSocket(url, {
        headers: {
          'x-simulator-deltas': String(PACING.deltas),
          'x-simulator-ttft-ms': '0',
          'x-simulator-token-ms': '0',
        },
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return socket;
    };
    // One socket for single responses, one for the chain: a socket keeps only its latest response.
    const ws = await open();
    const chained = await open();
    try {
      const warmup = ctx.quick ? 20 : 200;
      const samples = ctx.quick ? 100 : 1000;
      const sse = { first: [] as number[] };
      const socket = { first: [] as number[], end: [] as number[] };
      const chain = { first: [] as number[], end: [] as number[] };
      let previous: string | null = null;
      ctx.log(`websocket: ${warmup} warm-up + ${samples} measured rounds (SSE, WebSocket, WebSocket chain)`);
      for (let i = 0; i < warmup + samples; i++) {
        const a = await one(gw.path, PACING);
        for (const p of a.problems) failures.push(`sse: ${p}`);
        const b = await turn(ws, { model: gw.path.model, input: 'Benchmark: stream a short answer.' });
        // A chain of 10 store:false turns, then a fresh start (the history stays short).
        const c: Turn = await turn(chained, {
          model: gw.path.model,
          store: false,
          input: 'Benchmark: continue.',
          ...(previous && i % 10 !== 0 ? { previous_response_id: previous } : {}),
        });
        previous = c.id;
        for (const [name, t] of [
          ['websocket', b],
          ['chain', c],
        ] as const)
          if (t.status !== 'completed') failures.push(`${name}: status ${t.status}`);
        if (i < warmup) continue;
        sse.first.push(a.firstEventMs);
        socket.first.push(b.firstMs);
        socket.end.push(b.endMs);
        chain.first.push(c.firstMs);
        chain.end.push(c.endMs);
      }
      const s = {
        sse: { first: summarize(sse.first) },
        websocket: { first: summarize(socket.first), end: summarize(socket.end) },
        chain: { first: summarize(chain.first), end: summarize(chain.end) },
      };
      return {
        metrics: [
          {
            id: 'ws_first_event_p50_ms',
            label: 'WebSocket first event p50 (SSE on the same gateway in the note)',
            value: round(s.websocket.first.p50),
            unit: 'ms',
            note: `SSE ${round(s.sse.first.p50, 2)} ms`,
          },
          {
            id: 'ws_first_event_p99_ms',
            label: 'WebSocket first event p99',
            value: round(s.websocket.first.p99),
            unit: 'ms',
            note: `SSE ${round(s.sse.first.p99, 2)} ms`,
          },
          {
            id: 'ws_response_p50_ms',
            label: 'WebSocket whole response p50 (8 deltas)',
            value: round(s.websocket.end.p50),
            unit: 'ms',
            note: `p99 ${round(s.websocket.end.p99, 2)} ms`,
          },
          {
            id: 'ws_chain_response_p50_ms',
            label: 'WebSocket store:false continuation p50',
            value: round(s.chain.end.p50),
            unit: 'ms',
            note: `p99 ${round(s.chain.end.p99, 2)} ms`,
          },
        ],
        failures: failures.slice(0, 20),
        details: { pacing: PACING, summaries: s },
      };
    } finally {
      ws.close(1000);
      chained.close(1000);
      await gw.process.stop();
    }
  },
};
