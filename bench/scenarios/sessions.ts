/**
 * Memory per idle session (C1, E8): N session-mode streams whose model turn ended with a function
 * call, all waiting for tool outputs at once. (RSS with N waiting − RSS idle) / N, target ≤ 50 KB
 * at 10,000 sessions. The client holds each stream open over its own socket, as real clients do.
 * Also the live JS heap per session after a full GC (RSS includes allocator slack), and how long
 * the gateway takes to shut down with all of them waiting (each ends and saves its final state).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const KB = 1024;
const BODY = JSON.stringify({
  model: 'sim-chat',
  stream: true,
  input: 'Use get_weather for Paris',
  tools: [
    {
      type: 'function',
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
});

/** Opens one session stream; resolves once the function call is complete (the response now waits). */
function openWaiting(url: URL, agent: http.Agent): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-responses-session': 'on', 'x-simulator-token-ms': '0' },
      },
      (res) => {
        let seen = '';
        let waiting = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (waiting) return;
          seen += chunk;
          if (seen.includes('response.function_call_arguments.done')) {
            waiting = true;
            seen = '';
            resolve(req);
          }
        });
        res.on('end', () => {
          if (!waiting) reject(new Error(`stream ended before waiting (status ${res.statusCode})`));
        });
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

export const sessions: Scenario = {
  id: 'sessions',
  title: 'Memory per idle session waiting for tool outputs',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const count = ctx.quick ? 1000 : 10_000;
    const { process: gw, path } = await ctx.startGateway({
      // Each session holds its own client connection: the connection cap (default 4096) must not refuse them.
      args: [
        '--responses-max-active-sessions',
        String(count * 2),
        '--http-max-connections',
        String(count * 2),
        '--responses-tool-timeout',
        '0',
      ],
      nodeFlags: ['--expose-gc'],
    });
    const failures: string[] = [];
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const open: http.ClientRequest[] = [];
    try {
      const url = new URL('/v1/responses', path.target.url);
      // Warm-up: compiled code and lazily loaded modules belong to the baseline.
      for (let i = 0; i < 20; i++) open.push(await openWaiting(url, agent));
      for (const r of open.splice(0)) r.destroy();
      await sleep(1000);
      const idle = gw.rss();
      const idleHeap = (await gw.heapAfterGc()).heapUsed;
      ctx.log(`sessions: opening ${count} waiting sessions`);
      const BATCH = 200;
      for (let i = 0; i < count; i += BATCH) {
        const batch = await Promise.allSettled(
          Array.from({ length: Math.min(BATCH, count - i) }, () => openWaiting(url, agent)),
        );
        for (const b of batch) {
          if (b.status === 'fulfilled') open.push(b.value);
          else if (failures.length < 10) failures.push(`session: ${String(b.reason)}`);
        }
      }
      await sleep(1000);
      const waiting = gw.rss();
      // Read after RSS so the forced GC does not flatter it.
      const waitingHeap = (await gw.heapAfterGc()).heapUsed;
      const perSession = (waiting - idle) / Math.max(1, open.length);
      // Shutdown with every session still waiting and every client still connected.
      const stopStarted = performance.now();
      await gw.stop();
      const stopMs = performance.now() - stopStarted;
      return {
        metrics: [
          {
            id: 'idle_session_kb',
            label: `Memory per idle waiting session (${open.length} sessions)`,
            value: round(perSession / KB, 1),
            unit: 'KB',
            target: { op: '<=', value: 50 },
            note: `RSS ${round(idle / KB / KB, 1)} → ${round(waiting / KB / KB, 1)} MB`,
          },
          {
            id: 'idle_session_heap_kb',
            label: 'Live JS heap per idle waiting session',
            value: round((waitingHeap - idleHeap) / Math.max(1, open.length) / KB, 1),
            unit: 'KB',
            note: `heap after full GC ${round(idleHeap / KB / KB, 1)} → ${round(waitingHeap / KB / KB, 1)} MB`,
          },
          {
            id: 'sessions_shutdown_ms',
            label: `Gateway shutdown with ${open.length} waiting sessions`,
            value: Math.round(stopMs),
            unit: 'ms',
            // Past 10 s the harness kills the process: the final saves would be lost.
            target: { op: '<=', value: 10_000 },
          },
        ],
        failures,
      };
    } finally {
      for (const r of open) r.destroy();
      agent.destroy();
      await gw.stop();
    }
  },
};
