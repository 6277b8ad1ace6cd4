import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimulatorServer } from '../../src-server/backends/simulator/index.js';
import { defaultConfig } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { burst, closedLoop, one, type Path } from './load.js';
import { makeTarget } from './sse-client.js';

// The harness against the real simulator and a real gateway: the integrity checks must accept
// their streams as whole, and count exactly the deltas the simulator was told to send.
describe('bench load shapes against the simulator and the gateway', () => {
  let simulator: SimulatorServer;
  let gateway: Gateway;
  let direct: Path;
  let through: Path;

  beforeAll(async () => {
    simulator = new SimulatorServer({ port: 0, seed: 1 });
    const url = await simulator.listen();
    gateway = await createGateway({
      ...defaultConfig(),
      port: 0,
      logLevel: 'silent',
      validateStream: 'strict',
      backend: url,
    });
    direct = { kind: 'chat', target: makeTarget('direct', url), model: 'sim-chat' };
    through = { kind: 'responses', target: makeTarget('gateway', gateway.url), model: 'sim-chat' };
  });
  afterAll(async () => {
    direct.target.agent.destroy();
    through.target.agent.destroy();
    await gateway.close();
    await simulator.close();
  });

  test('one paced stream per path arrives whole, first event no later than first delta', async () => {
    for (const path of [direct, through]) {
      const a = await one(path, { deltas: 5, ttftMs: 0, tokenMs: 2 });
      expect(a.problems).toEqual([]);
      expect(a.deltaAt).toHaveLength(5);
      expect(a.firstEventMs).toBeLessThanOrEqual(a.firstDeltaMs);
    }
  });

  test(
    'L6 a concurrent burst through the gateway keeps every stream numbered without gaps',
    { tags: ['L6'] },
    async () => {
      const streams = await burst(through, { deltas: 16, ttftMs: 0, tokenMs: 1 }, 32);
      expect(streams.flatMap((s) => s.problems)).toEqual([]);
      expect(streams.every((s) => s.deltaAt.length === 16)).toBe(true);
    },
  );

  test('L2 a closed loop counts deltas and socket reads', { tags: ['L2'] }, async () => {
    const r = await closedLoop(through, { deltas: 8, ttftMs: 0, tokenMs: 0 }, 4, 200);
    expect(r.problems).toEqual([]);
    // Every worker starts at least one stream, and every stream is counted whole. How many
    // deltas fall inside the 200 ms window depends on the machine's load, so only the
    // arithmetic is checked: the rate is the in-window count over the window.
    expect(r.streams).toBeGreaterThanOrEqual(4);
    expect(r.deltasReceived).toBe(r.streams * 8);
    expect(r.deltasInWindow).toBeLessThanOrEqual(r.deltasReceived);
    expect(r.deltasPerSecond).toBe((r.deltasInWindow * 1000) / 200);
    expect(r.readsPerStream).toBeGreaterThanOrEqual(1);
  });
});
