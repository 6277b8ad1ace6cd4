// @vitest-environment happy-dom
/**
 * The presentational components (no store, no network), rendered with React Testing Library in
 * happy-dom: what a user reads from each given its props.
 */
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { CodeBlock } from './CodeBlock.js';
import { EmptyState } from './EmptyState.js';
import { Gauge } from './Gauge.js';
import { HeadersTable } from './HeadersTable.js';
import { ErrorNote, Panel, Unavailable } from './Panel.js';
import { Transcript } from './Transcript.js';

afterEach(cleanup);

describe('Gauge', () => {
  test('remaining of limit, and a reset time that counts down with the clock', { tags: ['U4'] }, () => {
    const { rerender } = render(<Gauge label="requests" remaining={3} limit={4} resetAt={10_000} now={7_500} />);
    const gauge = screen.getByTestId('gauge-requests');
    expect(gauge.textContent).toBe('requests3 / 4 · resets in 2.5 s');
    expect(gauge.querySelector('.gauge-fill')?.getAttribute('style')).toContain('width: 75%');
    rerender(<Gauge label="requests" remaining={3} limit={4} resetAt={10_000} now={9_900} />);
    expect(screen.getByTestId('gauge-requests-reset').textContent).toBe(' · resets in 0.1 s');
    rerender(<Gauge label="requests" remaining={3} limit={4} resetAt={10_000} now={12_000} />);
    expect(screen.getByTestId('gauge-requests-reset').textContent).toBe(' · refilled since this reading');
  });

  test('a low remaining budget is marked low; no reset time, no countdown', { tags: ['U4'] }, () => {
    render(<Gauge label="tokens" remaining={5} limit={1000} now={0} />);
    expect(screen.getByTestId('gauge-tokens').querySelector('.gauge-fill')?.className).toContain('gauge-low');
    expect(screen.queryByTestId('gauge-tokens-reset')).toBeNull();
  });
});

describe('HeadersTable', () => {
  test(
    'notable headers first and marked, then by name; values verbatim, long ones folded until clicked',
    { tags: ['U1', 'M5'] },
    () => {
      const long = 'x-request-id, '.repeat(12);
      render(
        <HeadersTable
          testId="h"
          headers={{
            'x-request-id': 'req_1',
            'content-type': 'application/json',
            'retry-after': '1',
            'access-control-expose-headers': long,
          }}
          highlight={['retry-after', /^x-request/]}
        />,
      );
      const rows = within(screen.getByTestId('h')).getAllByRole('row');
      expect(rows.map((r) => r.getAttribute('data-header'))).toEqual([
        'retry-after',
        'x-request-id',
        'access-control-expose-headers',
        'content-type',
      ]);
      expect(rows.map((r) => r.className)).toEqual(['marked', 'marked', '', '']);
      expect(rows[1].textContent).toBe('x-request-idreq_1');
      const folded = rows[2].querySelector('.header-value') as HTMLElement;
      expect(folded.textContent).toBe(long);
      expect(folded.className).toBe('header-value clamped');
      act(() => folded.click());
      expect(folded.className).toBe('header-value');
    },
  );

  test('no headers says so', { tags: ['U1'] }, () => {
    render(<HeadersTable headers={undefined} empty="no answer" />);
    expect(screen.getByText('no answer')).toBeTruthy();
  });
});

describe('Transcript', () => {
  test('roles, tool calls as code, statuses other than completed', { tags: ['U2'] }, () => {
    render(
      <Transcript
        testId="t"
        entries={[
          { key: '1', source: 'input', role: 'user', kind: 'message', text: 'Weather?' },
          {
            key: '2',
            source: 'output',
            role: 'assistant',
            kind: 'function_call',
            title: 'get_weather · c1',
            text: '{"city":"Oslo"}',
            code: true,
            status: 'completed',
          },
          { key: '3', source: 'output', role: 'assistant', kind: 'message', text: 'It is', status: 'interrupted' },
        ]}
      />,
    );
    const items = within(screen.getByTestId('t')).getAllByTestId('transcript-entry');
    expect(items.map((i) => `${i.dataset.role}/${i.dataset.kind}`)).toEqual([
      'user/message',
      'assistant/function_call',
      'assistant/message',
    ]);
    expect(items[1].querySelector('pre')?.textContent).toBe('{"city":"Oslo"}');
    expect(items[1].textContent).not.toContain('completed');
    expect(items[2].textContent).toContain('interrupted');
  });
});

describe('CodeBlock, Panel, notes', () => {
  test('code is shown verbatim with its note; empty says so', { tags: ['U1'] }, () => {
    const { rerender } = render(<CodeBlock testId="c" text={'data: {"a":1}\n\n'} note="raw SSE" />);
    expect(screen.getByTestId('c').textContent).toBe('data: {"a":1}\n\n');
    expect(screen.getByText('raw SSE')).toBeTruthy();
    rerender(<CodeBlock testId="c" text="" />);
    expect(screen.getByTestId('c').textContent).toBe('(empty)');
  });

  test('a panel has its title and actions; errors are alerts; unavailable names the feature', { tags: ['U7'] }, () => {
    render(
      <Panel title="Timeline" testId="p" actions={<button>Act</button>}>
        <ErrorNote message="HTTP 429" testId="e" />
        <ErrorNote message={undefined} testId="none" />
        <Unavailable feature="Metrics" detail="no endpoint" />
        <EmptyState title="Nothing yet">Send a request.</EmptyState>
      </Panel>,
    );
    expect(screen.getByRole('heading', { name: 'Timeline' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Act' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('HTTP 429');
    expect(screen.queryByTestId('none')).toBeNull();
    expect(screen.getByTestId('unavailable').textContent).toBe('Metrics is not available on this gateway: no endpoint');
    expect(screen.getByText('Nothing yet')).toBeTruthy();
  });
});
