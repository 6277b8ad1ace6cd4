import { describe, expect, test } from 'vitest';
import { ExchangeTaps, type ExchangeObserver } from './observer.js';

/** An observer that notes every call; `throwAt` names the hook that throws. */
function noting(calls: string[], name: string, throwAt?: keyof ExchangeObserver): ExchangeObserver {
  const hook =
    (h: keyof ExchangeObserver, what: (...a: never[]) => string) =>
    (...a: never[]): void => {
      calls.push(`${name}.${what(...a)}`);
      if (h === throwAt) throw new Error(`${name} broke at ${h}`);
    };
  return {
    requestBody: hook('requestBody', (bytes: Buffer, complete: boolean) => `body(${bytes.toString()},${complete})`),
    head: hook('head', (status: number) => `head(${status})`),
    write: hook('write', (piece: { type: string }) => `write(${piece.type})`),
    end: hook('end', () => 'end'),
    close: hook('close', (finished: boolean, status: number) => `close(${finished},${status})`),
  };
}

describe('ExchangeTaps: what writers report, contained', { tags: ['X7'] }, () => {
  test('every observer sees each step in order; a throwing one is reported once, then told only the close', () => {
    const calls: string[] = [];
    const reports: string[] = [];
    const taps = new ExchangeTaps((err, where) => reports.push(`${where}: ${(err as Error).message}`));
    taps.observe(noting(calls, 'a', 'head'));
    taps.observe(noting(calls, 'b'));
    expect(taps.active).toBe(true);
    taps.requestBody(Buffer.from('{}'), true);
    taps.head(200, { 'content-type': 'text/event-stream' });
    taps.writeAll(
      [
        { type: 'response.created', text: 'event: response.created\ndata: {}\n\n' },
        { type: 'response.completed', text: 'event: response.completed\ndata: {}\n\n' },
      ],
      1,
    );
    taps.end(2);
    taps.close(true, 200);
    taps.close(false, 200);
    expect(calls).toEqual([
      'a.body({},true)',
      'b.body({},true)',
      'a.head(200)',
      'b.head(200)',
      'b.write(response.created)',
      'b.write(response.completed)',
      'b.end',
      'a.close(true,200)',
      'b.close(true,200)',
    ]);
    expect(reports).toEqual(['an exchange observer at the status line: a broke at head']);
  });

  test('with every observer failed the taps are inactive; a throwing reporter is swallowed too', () => {
    const calls: string[] = [];
    const taps = new ExchangeTaps(() => {
      throw new Error('the reporter broke as well');
    });
    taps.observe(noting(calls, 'a', 'write'));
    expect(() => taps.write({ type: 'x', text: 'x' }, 0)).not.toThrow();
    expect(taps.active).toBe(false);
    expect(() => taps.close(false, 0)).not.toThrow();
    expect(calls).toEqual(['a.write(x)', 'a.close(false,0)']);
  });
});
