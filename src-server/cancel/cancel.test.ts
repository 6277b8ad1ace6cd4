import { describe, expect, it } from 'vitest';
import { Cancel, type CancelSignal } from './cancel.js';

describe('Cancel', () => {
  it('runs each listener once, in the order added, and only on the first abort', () => {
    const cancel = new Cancel();
    const calls: string[] = [];
    cancel.addEventListener('abort', () => calls.push('first'));
    cancel.addEventListener('abort', { handleEvent: () => calls.push('object') });
    cancel.addEventListener('abort', () => calls.push('third'));
    expect(cancel.aborted).toBe(false);
    cancel.abort('gone');
    cancel.abort('again');
    expect(calls).toEqual(['first', 'object', 'third']);
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toBe('gone');
  });

  it('gives an AbortError as the reason when aborted without one', () => {
    const cancel = new Cancel();
    cancel.abort();
    expect(cancel.reason).toBeInstanceOf(DOMException);
    expect((cancel.reason as DOMException).name).toBe('AbortError');
  });

  it('adds a listener once however often it is added, and forgets a removed one', () => {
    const cancel = new Cancel();
    let a = 0;
    let b = 0;
    const onA = (): void => void a++;
    const onB = { handleEvent: (): void => void b++ };
    cancel.addEventListener('abort', onA);
    cancel.addEventListener('abort', onA);
    cancel.addEventListener('abort', onB);
    cancel.addEventListener('abort', onB);
    cancel.removeEventListener('abort', onB);
    cancel.abort();
    expect([a, b]).toEqual([1, 0]);

    const single = new Cancel();
    single.addEventListener('abort', onA);
    single.removeEventListener('abort', onA);
    single.abort();
    expect(a).toBe(1);
  });

  it('never calls a listener added after the abort', () => {
    const cancel = new Cancel();
    cancel.abort();
    let called = false;
    cancel.addEventListener('abort', () => (called = true));
    expect(called).toBe(false);
  });

  it('runs every listener when one throws, then throws the first error from abort', () => {
    const cancel = new Cancel();
    const calls: string[] = [];
    cancel.addEventListener('abort', () => {
      calls.push('a');
      throw new Error('first');
    });
    cancel.addEventListener('abort', () => {
      calls.push('b');
      throw new Error('second');
    });
    cancel.addEventListener('abort', () => calls.push('c'));
    expect(() => cancel.abort()).toThrow('first');
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(cancel.aborted).toBe(true);
  });

  it('is what code taking a CancelSignal sees, and a real AbortSignal is one too', () => {
    const seen: boolean[] = [];
    const watch = (signal: CancelSignal): void => {
      seen.push(signal.aborted);
      signal.addEventListener('abort', () => seen.push(signal.aborted), { once: true });
    };
    const cancel = new Cancel();
    watch(cancel.signal);
    cancel.abort();
    const controller = new AbortController();
    watch(controller.signal);
    controller.abort();
    expect(seen).toEqual([false, true, false, true]);
    expect(cancel.signal).toBe(cancel);
  });
});
