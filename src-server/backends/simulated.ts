/**
 * The `simulator` backend kind: the offline vLLM (simulator/, a real HTTP server) started
 * in-process on 127.0.0.1:0 and the vLLM Chat Completions adapter pointed at it, so the gateway
 * exercises the same HTTP path as with a real vLLM.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import { createVllmAdapter } from './chat-completions/index.js';
import type { BackendAdapter, ModelInfo, ModelPart, ModelRequest, StreamOptions } from './contract.js';
import { SimulatorServer, type SimulatorOptions } from './simulator/index.js';

export interface SimulatorBackend extends BackendAdapter {
  /** The running server (stats, 'disconnect' events). */
  readonly simulator: SimulatorServer;
  close(): Promise<void>;
}

export interface SimulatorBackendOptions extends Omit<SimulatorOptions, 'host' | 'port'> {
  timeoutSeconds: number;
}

export async function createSimulatorBackend(options: SimulatorBackendOptions): Promise<SimulatorBackend> {
  const simulator = new SimulatorServer({ ...options, host: '127.0.0.1', port: 0 });
  const url = await simulator.listen();
  const adapter = createVllmAdapter({ baseUrl: url, timeoutSeconds: options.timeoutSeconds }, 'simulator');
  return {
    kind: 'simulator',
    baseUrl: adapter.baseUrl,
    simulator,
    listModels: (signal?: CancelSignal): Promise<ModelInfo[]> => adapter.listModels(signal),
    stream: (request: ModelRequest, streamOptions: StreamOptions): Promise<AsyncIterable<ModelPart>> =>
      adapter.stream(request, streamOptions),
    countTokens: (request: ModelRequest, signal?: CancelSignal): Promise<number> =>
      adapter.countTokens!(request, signal),
    close: async () => {
      await adapter.close();
      await simulator.close();
    },
  };
}
