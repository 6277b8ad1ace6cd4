import { registerBackendContract } from '../contract.case.js';
import { SimulatorServer } from '../simulator/server.js';
import { createVllmAdapter } from './index.js';

registerBackendContract('vllm', { vllmExtensions: true }, async ({ timeoutSeconds }) => {
  const simulator = new SimulatorServer({ seed: 7 });
  const url = await simulator.listen();
  // Base URL with /v1, as users usually paste it.
  return {
    adapter: createVllmAdapter({ baseUrl: `${url}/v1/`, timeoutSeconds }),
    simulator,
    close: () => simulator.close(),
  };
});
