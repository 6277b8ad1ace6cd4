// @vitest-environment happy-dom
/**
 * The timeline's views over the run model, rendered with React Testing Library in happy-dom: a run
 * is built from events exactly as the console builds it, then drawn.
 */
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { toReceivedEvent } from '../../lib/gateway-client.js';
import { AssembledCard, assembledState } from './AssembledView.js';
import { applyEvent, finishRun, newRun, type Run } from './run-model.js';
import { RunStats } from './RunStats.js';
import { Waterfall } from './Waterfall.js';

const ev = (r: Run, data: object, t: number) =>
  applyEvent(r, toReceivedEvent(undefined, JSON.stringify({ sequence_number: r.rows.length, ...data }), t));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(1_000_000);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function reasoningRun(): Run {
  const r = newRun('run-1', { model: 'sim-reasoning' }, { 'X-Responses-Extensions': 'on' }, Date.now());
  ev(r, { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning' } }, 1);
  for (const [i, d] of ['The', ' user', ' wrote'].entries()) {
    const delta = { item_id: 'rs_1', output_index: 0, content_index: 0, delta: d };
    ev(r, { type: 'response.reasoning_text.delta', ...delta }, 2 + i);
    ev(r, { type: 'response.reasoning.delta', ...delta }, 2 + i);
  }
  return r;
}

describe('Assembled cards', () => {
  test('reasoning with its alias reads once', { tags: ['H2', 'U2'] }, () => {
    const r = reasoningRun();
    render(<AssembledCard it={r.items[0]} />);
    expect(screen.getByTestId('assembled-reasoning').textContent).toBe('The user wrote');
    expect(screen.getByTestId('assembled-status').textContent).toBe('in_progress');
  });

  test('an aborted stream: the card says interrupted, the title says the stream ended', { tags: ['U2'] }, () => {
    const r = reasoningRun();
    expect(assembledState(r)).toBe('');
    finishRun(r, { aborted: true, status: 200 });
    render(<AssembledCard it={r.items[0]} />);
    expect(screen.getByTestId('assembled-interrupted').textContent).toBe('interrupted');
    expect(screen.queryByTestId('assembled-status')).toBeNull();
    expect(assembledState(r)).toBe('stream aborted');
  });

  test(
    'a tool output card shows the output as sent; a disagreement between deltas and the final text is flagged',
    { tags: ['U3'] },
    () => {
      const r = newRun('run-1', {}, {}, Date.now());
      const item = {
        id: 'fco_1',
        type: 'function_call_output',
        call_id: 'call_1',
        output: '{"temp_c": 18}',
        status: 'completed',
      };
      ev(r, { type: 'response.output_item.done', output_index: 0, item }, 1);
      ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 1, content_index: 0, delta: 'Hi' }, 2);
      ev(r, { type: 'response.output_text.done', item_id: 'm', output_index: 1, content_index: 0, text: 'Hello' }, 3);
      render(
        <>
          <AssembledCard it={r.items[0]} />
          <AssembledCard it={r.items[1]} />
        </>,
      );
      expect(screen.getByTestId('assembled-output').textContent).toBe('{"temp_c": 18}');
      expect(screen.getByTestId('assembled-text').textContent).toBe('Hello');
      expect(screen.getByTestId('assembled-notes').textContent).toMatch(/deltas added up to 2 characters/);
    },
  );
});

describe('Run stats', () => {
  test('a two-token burst shows no tokens/s; an injected fault is named', { tags: ['U1', 'U2'] }, () => {
    const r = newRun('run-1', {}, { 'x-simulator-fault': 'truncate' }, Date.now());
    ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, delta: 'a' }, 10);
    ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, delta: 'b' }, 11);
    finishRun(r, { aborted: false, status: 200, transportError: 'socket hang up' });
    render(<RunStats run={r} />);
    expect(screen.getByTestId('run-rate').textContent).toBe('— tok/s');
    expect(screen.getByTestId('run-fault').textContent).toBe('⚡ injected fault: truncate');
  });

  test(
    'a silent stream counts "no data for N s"; a session wait counts its timeout down',
    { tags: ['U2', 'U3'] },
    () => {
      const r = newRun('run-1', {}, {}, Date.now());
      ev(r, { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } }, 0);
      const { rerender } = render(<RunStats run={r} />);
      expect(screen.queryByTestId('run-stall')).toBeNull();
      act(() => vi.advanceTimersByTime(3_000));
      expect(screen.getByTestId('run-stall').textContent).toBe('no data for 3 s');
      r.status = 'waiting';
      r.waiting = { pendingCallIds: ['call_1', 'call_2'], since: Date.now(), timeoutSeconds: 90 };
      rerender(<RunStats run={{ ...r }} />);
      expect(screen.getByTestId('run-waiting').textContent).toBe('waiting for 2 tool outputs · times out in 1:30');
      act(() => vi.advanceTimersByTime(31_000));
      expect(screen.getByTestId('run-waiting').textContent).toBe('waiting for 2 tool outputs · times out in 0:59');
      expect(screen.queryByTestId('run-stall')).toBeNull();
    },
  );

  test('a non-streaming answer says it is one JSON body', { tags: ['U2'] }, () => {
    const r = newRun('run-1', {}, {}, Date.now());
    finishRun(r, {
      aborted: false,
      status: 200,
      body: { id: 'resp_1', object: 'response', status: 'completed', output: [] },
    });
    render(<RunStats run={r} />);
    expect(screen.getByTestId('run-status').textContent).toBe('completed');
    expect(screen.getByTestId('run-nonstreaming').textContent).toBe('JSON response · 0.0 KiB');
  });
});

describe('Waterfall', () => {
  test('axis labels are text beside the drawing (never stretched with it), TTFT named', { tags: ['U2'] }, () => {
    const r = reasoningRun();
    const { container } = render(<Waterfall run={r} />);
    expect(container.querySelector('svg text')).toBeNull();
    expect([...container.querySelectorAll('.wf-axis span')].map((s) => s.textContent)).toEqual([
      '0',
      'TTFT 2 ms',
      '4 ms',
    ]);
    expect(container.querySelectorAll('rect')).toHaveLength(1);
  });
});
