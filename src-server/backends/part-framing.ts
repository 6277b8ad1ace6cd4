/**
 * Frames a stream of delta parts with the start and end parts of contract.ts, for wires whose
 * stream has no item boundaries of its own (Chat Completions chunks) or whose boundaries the
 * adapter does not keep (vLLM's Responses events, see vllm-responses/stream.ts). The rule is
 * the one OpenAI's Responses output follows:
 *
 * - reasoning and message text are items of their own: a reasoning delta while a message is open
 *   ends the message and starts a reasoning item, and the other way round;
 * - a tool call ends an open message or reasoning item; tool calls stay open beside each other
 *   until text or reasoning follows (then each ends, in the order they started) or the stream
 *   finishes;
 * - `finish` and `error` close everything themselves: no end part is written before them;
 * - a call's item, once ended, takes no more arguments: a later delta for it becomes an `error`
 *   part (backend_protocol_error), since the response has already said what the call is.
 *
 * Start and end parts already in the stream pass through and keep the framer in step, so framing a
 * framed stream changes nothing. The start/end parts are shared frozen objects: framing allocates
 * nothing per delta.
 */
import { errors } from '../shared/protocol/errors.js';
import { isEmptyDelta, type ModelPart } from './contract.js';

const TEXT_START: ModelPart = Object.freeze({ type: 'text-start' });
const TEXT_END: ModelPart = Object.freeze({ type: 'text-end' });
const REASONING_START: ModelPart = Object.freeze({ type: 'reasoning-start' });
const REASONING_END: ModelPart = Object.freeze({ type: 'reasoning-end' });

/** Where framed parts go: an array, or anything with the same `push`. */
export interface PartTarget {
  push(part: ModelPart): unknown;
}

export class PartFramer {
  /** The open message (`text`) or reasoning item, if any. */
  private block: 'text' | 'reasoning' | null = null;
  /** Indices of the open tool calls, in the order they started. */
  private calls: number[] = [];
  /** Indices of the calls whose items have ended (rarely any while text streams). */
  private ended: Set<number> | undefined;

  /** Writes `part` to `out`, preceded by the end and start parts it implies. */
  push(part: ModelPart, out: PartTarget): void {
    switch (part.type) {
      case 'text-delta':
      case 'refusal-delta':
        if (this.block !== 'text' && !isEmptyDelta(part)) this.open('text', out);
        break;
      case 'reasoning-delta':
        if (this.block !== 'reasoning' && !isEmptyDelta(part)) this.open('reasoning', out);
        break;
      case 'tool-call-start':
        if (this.calls.includes(part.index)) break;
        this.endBlock(out);
        this.calls.push(part.index);
        this.ended?.delete(part.index);
        break;
      case 'tool-call-delta':
        if (this.ended?.has(part.index) && !this.calls.includes(part.index))
          return this.push(
            {
              type: 'error',
              error: errors.backendProtocol(
                `The backend sent more arguments for tool call ${part.index} after other output had followed it.`,
              ),
            },
            out,
          );
        break;
      case 'text-start':
      case 'reasoning-start':
        this.endBlock(out);
        this.endCalls(out);
        this.block = part.type === 'text-start' ? 'text' : 'reasoning';
        break;
      case 'text-end':
      case 'reasoning-end':
        this.block = null;
        break;
      case 'tool-call-end': {
        const at = this.calls.indexOf(part.index);
        if (at >= 0) this.calls.splice(at, 1);
        (this.ended ??= new Set()).add(part.index);
        break;
      }
      case 'finish':
      case 'error':
        this.block = null;
        this.calls = [];
        break;
      default:
        break;
    }
    out.push(part);
  }

  private open(block: 'text' | 'reasoning', out: PartTarget): void {
    this.endBlock(out);
    this.endCalls(out);
    this.block = block;
    out.push(block === 'text' ? TEXT_START : REASONING_START);
  }

  private endBlock(out: PartTarget): void {
    if (this.block === 'text') out.push(TEXT_END);
    else if (this.block === 'reasoning') out.push(REASONING_END);
    this.block = null;
  }

  private endCalls(out: PartTarget): void {
    if (this.calls.length === 0) return;
    this.ended ??= new Set();
    for (const index of this.calls) {
      out.push({ type: 'tool-call-end', index });
      this.ended.add(index);
    }
    this.calls = [];
  }
}

/** A whole stream's parts, framed: for producers that hold all of it at once (scripted backends). */
export function framed(parts: Iterable<ModelPart>): ModelPart[] {
  const framer = new PartFramer();
  const out: ModelPart[] = [];
  for (const part of parts) framer.push(part, out);
  return out;
}
