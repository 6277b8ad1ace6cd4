/**
 * A scripted BackendAdapter for engine, session and route tests. Each `stream()` call answers
 * with its script's parts, framed as a real adapter's reader frames them (start and end parts,
 * backends/part-framing.ts), one microtask apart, and keeps the request and its options:
 * `ScriptedBackend.playing` plays one script on every call, `ScriptedBackend.turns` plays turn n
 * on call n. Behaviours: `reject` refuses every call; `throwAfter` fails the stream after its
 * parts; `hang` keeps it open after its parts until the call's signal aborts, the way a real
 * adapter's body read ends on abort.
 */
import type { CancelSignal } from '../../src-server/cancel/cancel.js';
import type {
  BackendAdapter,
  ModelInfo,
  ModelPart,
  ModelRequest,
  StreamOptions,
} from '../../src-server/backends/contract.js';
import { chatMessages, type ChatMessage } from '../../src-server/backends/chat-completions/request.js';
import { framed } from '../../src-server/backends/part-framing.js';

export interface ScriptBehaviour {
  reject?: Error;
  throwAfter?: Error;
  hang?: boolean;
}

export class ScriptedBackend implements BackendAdapter {
  readonly kind = 'scripted';
  readonly baseUrl = 'http://127.0.0.1:0';
  /** Every call, in order. */
  readonly calls: { request: ModelRequest; options: StreamOptions }[] = [];

  /** Every call plays `parts`. */
  static playing(parts: ModelPart[], behaviour: ScriptBehaviour = {}): ScriptedBackend {
    return new ScriptedBackend(() => parts, behaviour);
  }

  /** Call n plays turn n; calls past the last get an empty stream. */
  static turns(...turns: ModelPart[][]): ScriptedBackend {
    return new ScriptedBackend((n) => turns[n] ?? [], {});
  }

  private constructor(
    /** The parts of call n. */
    private readonly partsOf: (n: number) => ModelPart[],
    private readonly behaviour: ScriptBehaviour,
  ) {}

  /** The requests of every call, in order. */
  get requests(): ModelRequest[] {
    return this.calls.map((c) => c.request);
  }

  /** The last request, with its conversation as the Chat Completions adapter sends it. */
  get lastRequest(): (ModelRequest & { messages: ChatMessage[] }) | undefined {
    const request = this.calls.at(-1)?.request;
    return request && { ...request, messages: chatMessages(request) };
  }

  get lastSignal(): CancelSignal | undefined {
    return this.calls.at(-1)?.options.signal;
  }

  listModels(): Promise<ModelInfo[]> {
    return Promise.resolve([{ id: 'test-model' }]);
  }

  stream(request: ModelRequest, options: StreamOptions): Promise<AsyncIterable<ModelPart>> {
    const parts = this.partsOf(this.calls.length);
    this.calls.push({ request, options });
    if (this.behaviour.reject) return Promise.reject(this.behaviour.reject);
    // Framed as every adapter's reader frames its stream (backends/part-framing.ts).
    return Promise.resolve(play(framed(parts), this.behaviour, options.signal));
  }
}

async function* play(parts: ModelPart[], behaviour: ScriptBehaviour, signal: CancelSignal): AsyncGenerator<ModelPart> {
  for (const part of parts) {
    await Promise.resolve();
    yield part;
  }
  if (behaviour.throwAfter) throw behaviour.throwAfter;
  if (behaviour.hang) {
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    throw new DOMException('The operation was aborted.', 'AbortError');
  }
}
