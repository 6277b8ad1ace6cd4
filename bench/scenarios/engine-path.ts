/**
 * The engine's own cost per delta, in this process and without sockets: framed model parts (as the
 * adapters' reader writes them) into `startResponseRun`, through the ResponseBuilder, the event
 * chain and the emitter (stream validation at its production default, `log`), out to a tap that
 * serializes every event with JSON.stringify (not the SSE writer's text-delta template). Extensions off and on (the extension stages and
 * aliases run only then). Reports CPU microseconds per content delta (user + system) and young-
 * generation collections per 100k deltas, the trace of what the path allocates per delta. The
 * variants alternate and the median of the rounds is reported, so outside load hits both alike.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { BackendAdapter, ModelPart } from '../../src-server/backends/contract.js';
import { defaultConfig } from '../../src-server/config/flags.js';
import { startResponseRun } from '../../src-server/engine/response-run.js';
import { silentLogger } from '../../src-server/logging/logger.js';
import type { CreateResponseRequest } from '../../src-server/shared/protocol/types.js';
import { percentile, round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const DELTAS = 1000;

function scriptedAdapter(): BackendAdapter {
  const parts: ModelPart[] = [{ type: 'text-start' }];
  for (let i = 0; i < DELTAS; i++) parts.push({ type: 'text-delta', text: 'tok ' });
  parts.push({ type: 'finish', reason: 'stop' }, { type: 'usage', usage: { inputTokens: 3, outputTokens: DELTAS } });
  return {
    kind: 'scripted',
    baseUrl: 'http://127.0.0.1:0',
    listModels: () => Promise.resolve([]),
    stream: () =>
      Promise.resolve({
        [Symbol.asyncIterator](): AsyncIterator<ModelPart> {
          let i = 0;
          return {
            next: () =>
              Promise.resolve(i < parts.length ? { done: false, value: parts[i++] } : { done: true, value: undefined }),
          };
        },
      }),
  };
}

interface Round {
  cpuUsPerDelta: number;
  scavengesPer100k: number;
}

async function measure(extensions: boolean, responses: number): Promise<Round> {
  const adapter = scriptedAdapter();
  const config = defaultConfig();
  const request = { model: 'm', input: 'hi', stream: true } as CreateResponseRequest;
  let bytes = 0;
  const one = async (): Promise<void> => {
    const run = await startResponseRun(request, adapter, {
      requestId: 'req_bench',
      logger: silentLogger,
      dialect: 'openai',
      extensions,
      signal: new AbortController().signal,
      config,
    });
    run.onEvent((event) => (bytes += JSON.stringify(event).length));
    await run.finished;
  };
  for (let i = 0; i < 10; i++) await one();
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
        scavenges++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < responses; i++) await one();
  const cpu = process.cpuUsage(cpu0);
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  if (bytes === 0) throw new Error('no events were written');
  const deltas = responses * DELTAS;
  return { cpuUsPerDelta: (cpu.user + cpu.system) / deltas, scavengesPer100k: (scavenges * 100_000) / deltas };
}

export const enginePath: Scenario = {
  id: 'engine-path',
  title: 'Engine cost per delta (in-process: parts → builder → event chain → emitter → serialized)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const rounds = ctx.quick ? 2 : 5;
    const responses = ctx.quick ? 30 : 100;
    const off: Round[] = [];
    const on: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      ctx.log(`engine-path: round ${i + 1}/${rounds}, ${responses} responses × ${DELTAS} deltas, extensions off / on`);
      off.push(await measure(false, responses));
      on.push(await measure(true, responses));
    }
    const median = (rs: Round[], key: keyof Round): number =>
      round(
        percentile(
          rs.map((r) => r[key]),
          50,
        ),
        2,
      );
    return {
      metrics: [
        {
          id: 'engine_cpu_us_per_delta',
          label: 'Engine CPU per content delta, in-process (extensions off)',
          value: median(off, 'cpuUsPerDelta'),
          unit: 'µs',
          note: `extensions on: ${median(on, 'cpuUsPerDelta')} µs`,
        },
        {
          id: 'engine_scavenges_per_100k_deltas',
          label: 'Engine young-generation GCs per 100k deltas (extensions off)',
          value: median(off, 'scavengesPer100k'),
          unit: '',
          note: `extensions on: ${median(on, 'scavengesPer100k')}`,
        },
      ],
      failures: [],
      details: { off, on },
    };
  },
};
