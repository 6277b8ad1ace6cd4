/**
 * The scenarios `npm run bench` runs, in order. Each file measures one thing and returns metrics;
 * later ones (idle-session memory, store write throughput, recording overhead) are added here.
 */
import type { Scenario } from '../lib/types.js';
import { coalescing } from './coalescing.js';
import { enginePath } from './engine-path.js';
import { firstEvent } from './first-event.js';
import { interEvent } from './inter-event.js';
import { memory } from './memory.js';
import { recordingOverhead } from './recording-overhead.js';
import { saturation } from './saturation.js';
import { scale } from './scale.js';
import { sessions } from './sessions.js';
import { startup } from './startup.js';
import { storeWrites } from './store-writes.js';
import { websocket } from './websocket.js';

export const scenarios: readonly Scenario[] = [
  firstEvent,
  interEvent,
  saturation,
  coalescing,
  enginePath,
  memory,
  sessions,
  storeWrites,
  recordingOverhead,
  websocket,
  scale,
  startup,
];
