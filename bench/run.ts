/**
 * `npm run bench`: the gateway versus a direct connection to the simulator, in one run.
 *
 *   npm run bench                       full run (about 8 minutes on 2 cores)
 *   npm run bench -- --quick            short smoke run
 *   npm run bench -- --only first-event,saturation
 *   npm run bench -- --cpu-prof         also write gateway CPU profiles to bench/results/prof/
 *   npm run bench -- --source           run the gateway from the TypeScript sources (tsx) instead
 *                                       of the compiled build, which the run otherwise builds first
 *   npm run bench -- --only inter-event --paced-rounds 48
 *                                       more rounds of the 256-stream burst (default 6)
 *
 * Prints a Markdown table (measured, target, PASS/MISS) on stdout and writes
 * bench/results/latest.json. A missed target is a finding, not a failure; the exit code is
 * non-zero only when the run itself broke (lost or reordered events, HTTP errors, a crash).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildGatewayOnce } from './lib/build.js';
import type { Path } from './lib/load.js';
import { startServer, type ServerProcess } from './lib/processes.js';
import { firstModel, makeTarget } from './lib/sse-client.js';
import { renderTable } from './lib/table.js';
import {
  met,
  type BenchContext,
  type GatewayOptions,
  type Metric,
  type ProcessOptions,
  type ScenarioResult,
} from './lib/types.js';
import { scenarios } from './scenarios/index.js';

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      source: { type: 'boolean' },
      'paced-rounds': { type: 'string' },
    },
    strict: true,
  });
  const pacedRounds = values['paced-rounds'] === undefined ? undefined : Number(values['paced-rounds']);
  if (pacedRounds !== undefined && !(Number.isInteger(pacedRounds) && pacedRounds > 0)) {
    console.error('--paced-rounds takes a whole number of rounds above 0');
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const selected = only ? scenarios.filter((s) => only.includes(s.id)) : scenarios;
  if (only && selected.length !== only.length) {
    console.error(`unknown scenario in --only; known: ${scenarios.map((s) => s.id).join(', ')}`);
    return 2;
  }
  const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);
  // The gateway under test is what users run: the compiled build (bench/servers/gateway-process.ts).
  const gatewayFrom = values.source ? 'source' : 'compiled';
  process.env.BENCH_GATEWAY_FROM = gatewayFrom;
  if (gatewayFrom === 'compiled') {
    log('npm run build:gateway (the gateway runs from dist/; --source runs the TypeScript sources)');
    const failed = buildGatewayOnce();
    if (failed !== null) {
      console.error(`build:gateway failed:\n${failed}`);
      return 1;
    }
  }
  const started = Date.now();
  const running = new Set<ServerProcess>();

  const simulator = await startServer('simulator', 'simulator-process.ts', []);
  running.add(simulator);
  try {
    const simTarget = makeTarget('direct', simulator.url);
    const model = await firstModel(simTarget);
    const direct: Path = { kind: 'chat', target: simTarget, model };
    let profiles = 0;
    /** Registers a started server for clean-up at exit; the scenario's `stop` unregisters it. */
    const tracked = (proc: ServerProcess, kind: Path['kind']): { process: ServerProcess; path: Path } => {
      running.add(proc);
      const stop = proc.stop;
      const process: ServerProcess = { ...proc, stop: async () => (running.delete(proc), stop()) };
      return { process, path: { kind, target: makeTarget(proc.name, proc.url), model } };
    };
    /** A helper server in front of the simulator (`bench/servers/<name>-process.ts`), stopped by the scenario. */
    const startHelper = async (
      name: string,
      kind: Path['kind'],
      options: ProcessOptions = {},
    ): Promise<{ process: ServerProcess; path: Path }> =>
      tracked(await startServer(name, `${name}-process.ts`, [simulator.url], options), kind);
    const ctx: BenchContext = {
      simulator,
      direct,
      quick: values.quick === true,
      ...(pacedRounds !== undefined ? { pacedRounds } : {}),
      log,
      async startGateway(options: GatewayOptions = {}) {
        const nodeFlags = [...(options.nodeFlags ?? [])];
        if (values['cpu-prof']) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${resultsDir}prof/gateway-${++profiles}`);
        const proc = await startServer(
          'gateway',
          'gateway-process.ts',
          ['--backend', simulator.url, ...(options.args ?? [])],
          { nodeFlags, ...(options.env ? { env: options.env } : {}) },
        );
        return tracked(proc, 'responses');
      },
      startPassthrough: (options) => startHelper('passthrough', 'chat', options),
      startTranslator: (options) => startHelper('translator', 'responses', options),
    };

    const results: Record<string, ScenarioResult & { title: string; seconds: number }> = {};
    for (const scenario of selected) {
      log(`— ${scenario.title}`);
      const t0 = Date.now();
      let result: ScenarioResult;
      try {
        result = await scenario.run(ctx);
      } catch (e) {
        result = { metrics: [], failures: [`${scenario.id} crashed: ${(e as Error).stack ?? String(e)}`] };
      }
      results[scenario.id] = { title: scenario.title, seconds: (Date.now() - t0) / 1000, ...result };
    }

    const failures = Object.entries(results).flatMap(([id, r]) => r.failures.map((f) => `${id}: ${f}`));
    const integrity: Metric = {
      id: 'broken_streams',
      label: 'Lost / reordered events, errors (all scenarios)',
      value: failures.length,
      unit: '',
      target: { op: '<=', value: 0 },
    };
    const metrics = [...Object.values(results).flatMap((r) => r.metrics), integrity];
    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    };
    const date = new Date().toISOString();
    console.log(
      `\nResponses Studio benchmark — ${date} — ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node} — gateway ${gatewayFrom}${ctx.quick ? ' — QUICK' : ''}\n`,
    );
    console.log(renderTable(metrics));
    if (failures.length > 0) {
      console.log('\nBroken run:');
      for (const f of failures.slice(0, 30)) console.log(`  - ${f}`);
    }
    const missed = metrics.filter((m) => met(m) === false).map((m) => m.id);
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      `${resultsDir}latest.json`,
      `${JSON.stringify({ date, machine, gateway: gatewayFrom, quick: ctx.quick, seconds: (Date.now() - started) / 1000, missed, failures, metrics, scenarios: results }, null, 2)}\n`,
    );
    log(`wrote bench/results/latest.json in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await Promise.all([...running].map((p) => p.stop()));
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
