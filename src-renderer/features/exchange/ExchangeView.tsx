import { Fragment, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { copyText } from '../../actions/copy.js';
import { MAX_KEPT_BODY_CHARS, type Exchange, type ExchangeFrame } from '../../lib/exchange.js';
import { CodeBlock } from '../../ui/CodeBlock.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { HeadersTable } from '../../ui/HeadersTable.js';
import { sentAsCurl } from '../composer/snippets.js';
import type { Run } from '../timeline/run-model.js';

/** Response headers a debugging eye looks for first. */
const NOTABLE = [
  'x-request-id',
  'retry-after',
  'retry-after-ms',
  /^x-ratelimit-/,
  /^x-responses-/,
  'openai-processing-ms',
  'content-type',
];

function statusText(x: Exchange): string {
  if (x.state === 'sending') return 'sending…';
  if (x.transport === 'websocket') {
    const time = x.durationMs !== undefined ? ` · ${x.durationMs.toFixed(0)} ms` : '';
    const frames = ` · ${x.frames?.length ?? 0} frames`;
    if (x.state === 'failed') return `${x.status ? `${x.status} · ` : ''}${x.error ?? 'failed'}${frames}${time}`;
    if (x.status !== undefined && x.status !== 101) return `error frame · status ${x.status}${frames}${time}`;
    return `101 Switching Protocols${x.state === 'receiving' ? ' · receiving…' : ''}${frames}${time}`;
  }
  const time = x.durationMs !== undefined ? ` · ${x.durationMs.toFixed(0)} ms` : '';
  if (x.state === 'failed') return `${x.status ? `HTTP ${x.status} · ` : ''}${x.error ?? 'failed'}${time}`;
  return `HTTP ${x.status ?? '?'}${x.state === 'receiving' ? ' · receiving…' : ''}${time}`;
}

/** JSON re-indented for reading (the exact bytes stay one click away); null when the text is not JSON. */
function pretty(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

/**
 * A WebSocket exchange's frames, both directions, in order: time since the upgrade was sent,
 * direction, type, size and the exact text (re-indented on request).
 */
function FramesTable({ frames, indent }: { frames: ExchangeFrame[]; indent: boolean }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <table className="frames" data-testid="exchange-frames">
      <thead>
        <tr>
          <th>+ms</th>
          <th></th>
          <th>type</th>
          <th>bytes</th>
          <th>frame</th>
        </tr>
      </thead>
      <tbody>
        {frames.map((f, i) => (
          <Fragment key={i}>
            <tr
              data-testid="exchange-frame"
              data-direction={f.direction}
              className={`frame-${f.direction}${f.type === 'error' ? ' frame-error' : ''}${open === i ? ' open' : ''}`}
              onClick={() => setOpen(open === i ? null : i)}
              title="Click to show the whole frame"
            >
              <td className="mono">{f.t.toFixed(1)}</td>
              <td title={f.direction === 'sent' ? 'sent by the console' : 'received from the gateway'}>
                {f.direction === 'sent' ? '↑' : '↓'}
              </td>
              <td className="mono">{f.type || '(not JSON)'}</td>
              <td className="mono">{f.bytes}</td>
              <td className="mono frame-text">{f.text.slice(0, 200)}</td>
            </tr>
            {open === i ? (
              <tr className="frame-whole" data-testid="exchange-frame-whole">
                <td colSpan={5}>
                  <pre>{indent ? (pretty(f.text) ?? f.text) : f.text}</pre>
                </td>
              </tr>
            ) : null}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function ExchangeCard({ x }: { x: Exchange }) {
  const [indent, setIndent] = useState(false);
  const show = (text: string) => (indent ? (pretty(text) ?? text) : text);
  const kept = x.responseBody.length;
  const note =
    x.responseChars > kept
      ? `First ${(MAX_KEPT_BODY_CHARS / 1024 / 1024).toFixed(0)} MiB of ${(x.responseChars / 1024 / 1024).toFixed(1)} MiB shown; every event is in the timeline.`
      : x.streaming
        ? 'The SSE stream as it arrived (event: / data: lines).'
        : undefined;
  return (
    <div className="exchange" data-testid="exchange" data-status={x.status ?? ''}>
      <div className="exchange-line">
        <span className="mono exchange-request-line" data-testid="exchange-request-line">
          {x.method} {x.url}
        </span>
        <span className={`exchange-status status-${Math.floor((x.status ?? 0) / 100)}xx`} data-testid="exchange-status">
          {statusText(x)}
        </span>
        <span className="spacer" />
        <label className="small" title="Re-indent JSON bodies for reading; off shows the exact bytes">
          <input
            type="checkbox"
            data-testid="exchange-pretty"
            checked={indent}
            onChange={(e) => setIndent(e.target.checked)}
          />{' '}
          Indent JSON
        </label>
        {x.transport === 'websocket' ? (
          <button
            data-testid="exchange-copy-message"
            title="The response.create message exactly as sent on the socket"
            onClick={() => copyText(x.requestBody, 'the response.create message')}
          >
            Copy message
          </button>
        ) : (
          <button
            data-testid="exchange-copy-curl"
            title="This exact request as a curl command"
            onClick={() =>
              copyText(
                sentAsCurl({
                  method: x.method,
                  url: x.url,
                  headers: x.requestHeaders,
                  body: x.requestBody,
                  streaming: x.streaming,
                }),
                'curl of this exact request',
              )
            }
          >
            Copy as curl
          </button>
        )}
      </div>
      {x.transport === 'websocket' ? (
        <section className="exchange-frames">
          <div className="muted small-note">
            A browser sets every header of a WebSocket upgrade itself; the dialect and extensions switches travel as
            query parameters.
          </div>
          <h3>response.create message (as sent)</h3>
          <CodeBlock text={show(x.requestBody)} testId="exchange-request-body" />
          <h3>Frames (sent ↑ and received ↓)</h3>
          <FramesTable frames={x.frames ?? []} indent={indent} />
        </section>
      ) : (
        <div className="exchange-grid">
          <section>
            <h3>Request headers</h3>
            <HeadersTable headers={x.requestHeaders} testId="exchange-request-headers" />
            <div className="muted small-note">
              Set by the console; the browser adds its own (Origin, User-Agent, …).
            </div>
            <h3>Request body (as sent)</h3>
            <CodeBlock text={show(x.requestBody)} testId="exchange-request-body" />
          </section>
          <section>
            <h3>Response headers</h3>
            <HeadersTable
              headers={x.responseHeaders}
              highlight={NOTABLE}
              testId="exchange-response-headers"
              empty={x.state === 'failed' ? 'no answer' : 'not yet'}
            />
            <h3>{x.streaming ? 'Response (raw SSE)' : 'Response body'}</h3>
            <CodeBlock
              text={x.streaming ? x.responseBody : show(x.responseBody)}
              testId="exchange-response-body"
              note={note}
            />
          </section>
        </div>
      )}
    </div>
  );
}

/**
 * Every exchange of the run, as it went over the wire: the create request first, then any
 * tool-output submissions. A WebSocket run shows its upgrade and every frame, per direction, with
 * its time.
 */
export function ExchangeView({ run }: { run: Run }) {
  useStudio((s) => s.version);
  const [pick, setPick] = useState(0);
  const list = run.exchanges;
  if (list.length === 0)
    return (
      <EmptyState title="No HTTP exchange">
        This run was not sent by this console (a recording opened from the library has its exchange only when it was
        recorded with one).
      </EmptyState>
    );
  const index = Math.min(pick, list.length - 1);
  return (
    <div className="exchange-view" data-testid="exchange-view">
      {list.length > 1 ? (
        <div className="tabs" role="tablist">
          {list.map((x, i) => (
            <button
              key={i}
              role="tab"
              aria-selected={i === index}
              className={i === index ? 'active' : ''}
              data-testid="exchange-tab"
              onClick={() => setPick(i)}
            >
              {i + 1}. {x.label} · {x.status ?? '…'}
            </button>
          ))}
        </div>
      ) : null}
      <ExchangeCard x={list[index]} />
    </div>
  );
}
