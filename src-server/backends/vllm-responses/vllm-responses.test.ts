import { registerBackendContract } from '../contract.case.js';
import { SimulatorServer } from '../simulator/server.js';
import { createVllmResponsesAdapter } from './index.js';

registerBackendContract(
  'vllm-responses',
  { vllmExtensions: true, streamPath: '/v1/responses' },
  async ({ timeoutSeconds }) => {
    const simulator = new SimulatorServer({ seed: 11 });
    const url = await simulator.listen();
    return {
      adapter: createVllmResponsesAdapter({ baseUrl: `${url}/v1`, timeoutSeconds }),
      simulator,
      close: () => simulator.close(),
    };
  },
);
