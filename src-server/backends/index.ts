/**
 * Picks the backend adapter from the config: `--backend simulator` starts the built-in simulator
 * in-process; a URL gets the vLLM Chat, the OpenAI-compatible Chat or the vLLM native Responses
 * adapter per `--backend-kind`.
 */
import type { GatewayConfig } from '../config/flags.js';
import type { BackendAdapter } from './contract.js';
import { createOpenAIChatAdapter, createVllmAdapter } from './chat-completions/index.js';
import { createSimulatorBackend } from './simulated.js';
import { createVllmResponsesAdapter } from './vllm-responses/index.js';

export type BackendConfig = Pick<
  GatewayConfig,
  'backend' | 'backendKind' | 'backendApiKey' | 'backendTimeoutSeconds' | 'simulatorSeed' | 'simulatorMaxModelLen'
>;

export async function createBackend(config: BackendConfig): Promise<BackendAdapter> {
  if (config.backend === 'simulator') {
    return createSimulatorBackend({
      seed: config.simulatorSeed,
      maxModelLen: config.simulatorMaxModelLen,
      timeoutSeconds: config.backendTimeoutSeconds,
    });
  }
  let url: URL;
  try {
    url = new URL(config.backend);
  } catch {
    throw new Error(`--backend must be 'simulator' or an http(s) URL, got '${config.backend}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--backend URL must use http or https, got '${url.protocol}'`);
  const options = {
    baseUrl: config.backend,
    apiKey: config.backendApiKey,
    timeoutSeconds: config.backendTimeoutSeconds,
  };
  switch (config.backendKind) {
    case 'openai-chat':
      return createOpenAIChatAdapter(options);
    case 'vllm-responses':
      return createVllmResponsesAdapter(options);
    default:
      return createVllmAdapter(options);
  }
}
