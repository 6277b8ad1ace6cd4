/**
 * Backends seen through a WebSocket turn: `gated` pulls the next part only when the client has
 * room for more (FrameWriter.ready), so a client that stops reading stops the backend stream
 * (TCP backpressure reaches vLLM) instead of filling the gateway's memory. `warmup` is the
 * backend of a `generate: false` message: no call, no output, zero usage.
 */
import type { BackendAdapter, ModelPart } from '../backends/contract.js';

export function gated(base: BackendAdapter, ready: () => Promise<void>): BackendAdapter {
  return {
    kind: base.kind,
    baseUrl: base.baseUrl,
    listModels: (signal) => base.listModels(signal),
    async stream(request, options) {
      const parts = await base.stream(request, options);
      return {
        [Symbol.asyncIterator](): AsyncIterator<ModelPart> {
          const inner = parts[Symbol.asyncIterator]();
          return {
            async next() {
              await ready();
              return inner.next();
            },
            return: async (value?: unknown) => (await inner.return?.(value)) ?? { done: true, value: undefined },
          };
        },
      };
    },
  };
}

const WARMUP_PARTS: readonly ModelPart[] = [
  { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } },
  { type: 'finish', reason: 'stop' },
];

export function warmup(base: BackendAdapter): BackendAdapter {
  return {
    kind: base.kind,
    baseUrl: base.baseUrl,
    listModels: (signal) => base.listModels(signal),
    stream: () =>
      Promise.resolve({
        async *[Symbol.asyncIterator]() {
          yield* WARMUP_PARTS;
        },
      }),
  };
}
