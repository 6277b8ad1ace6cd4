/**
 * Store write throughput (M6): complete responses (saved at creation and at the end, as the
 * gateway does) per second into a file database, measured in-process by src-server/store/bench-store.ts.
 */
import { benchStoreWrites } from '../../src-server/store/bench-store.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

export const storeWrites: Scenario = {
  id: 'store-writes',
  title: 'Response store write throughput',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const result = await benchStoreWrites({ count: ctx.quick ? 500 : 3000 });
    return {
      metrics: [
        {
          id: 'store_responses_per_s',
          label: 'Stored responses per second (2 saves each)',
          value: round(result.responsesPerSecond, 0),
          unit: 'responses/s',
          note: `${result.count} responses, ${round(result.averageBytes / 1024, 1)} KB each`,
        },
      ],
      failures: [],
    };
  },
};
