/**
 * The offline vLLM: an HTTP server that answers like vLLM's OpenAI-compatible server (README.md).
 * It is a server, not a backend adapter: the `simulator` backend kind is the vLLM adapter pointed
 * at it (backends/simulated.ts), and `npm run simulator` runs it standalone.
 */
export { SimulatorServer, SIMULATOR_MODELS, MAX_MODEL_LEN } from './server.js';
export type { SimulatorOptions, SimulatorStats, SimulatorStream, DisconnectEvent } from './server.js';
export { FAULTS, parseModelName, type Fault } from './options.js';
