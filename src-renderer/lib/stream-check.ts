/**
 * Flags protocol violations on timeline rows with the gateway's own stream validator
 * (src-server/shared is isomorphic), so the console and the server judge a stream the same way.
 */
import { StreamValidator, type StreamEventLike } from '../../src-server/shared/protocol/stream-validator.js';
import type { EventChecker } from '../features/timeline/run-model.js';

export function createEventChecker(dialect: 'openai' | 'open-responses', extensions: boolean): EventChecker {
  const validator = new StreamValidator({ dialect, extensions });
  const messages = (list: { rule: string; message: string }[]) => list.map((v) => `${v.rule}: ${v.message}`);
  return {
    check(event, wire) {
      // Checked here, so the cast below is sound.
      if (typeof event.type !== 'string') return ['event.shape: the event has no string type'];
      return messages(validator.check(event as unknown as StreamEventLike, { sseEventName: wire.sseEvent }));
    },
    finish() {
      return messages(validator.finish());
    },
  };
}
