import { describe, expect, test } from 'vitest';
import { createLogger } from '../../src-server/logging/logger.js';

describe('JSON logger', () => {
  test('children add their fields to every line, nested children keep their parents', () => {
    const lines: Record<string, unknown>[] = [];
    const root = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>), {
      instance: 'a',
    });
    const request = root.child({ requestId: 'req_1' });
    const nested = request.child({ responseId: 'resp_1', instance: 'b' });
    request.info('request', { status: 200 });
    nested.warn('slow', { ms: 5 });
    root.error('boom', { err: new Error('x') });
    expect(
      lines.map(({ level, msg, instance, requestId, responseId }) => ({ level, msg, instance, requestId, responseId })),
    ).toEqual([
      { level: 'info', msg: 'request', instance: 'a', requestId: 'req_1', responseId: undefined },
      { level: 'warn', msg: 'slow', instance: 'b', requestId: 'req_1', responseId: 'resp_1' },
      { level: 'error', msg: 'boom', instance: 'a', requestId: undefined, responseId: undefined },
    ]);
    expect(lines[1]).toMatchObject({ ms: 5 });
    expect(lines[2]).toMatchObject({ err: { name: 'Error', message: 'x' } });
  });

  test('lines below the level are not written, by the logger or its children', () => {
    const lines: string[] = [];
    const log = createLogger('warn', (line) => lines.push(line));
    log.debug('a');
    log.info('b');
    log.child({ requestId: 'r' }).info('c');
    log.child({ requestId: 'r' }).warn('d');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['d']);
  });
});
