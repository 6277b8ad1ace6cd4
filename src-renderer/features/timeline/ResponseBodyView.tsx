import { CodeBlock } from '../../ui/CodeBlock.js';
import type { Run } from './run-model.js';

/**
 * A non-streaming answer (`"stream": true` not set): no events, one JSON body. Shown whole here;
 * Assembled reads its output items, the Exchange view has the bytes and the headers.
 */
export function ResponseBodyView({ run }: { run: Run }) {
  const body = typeof run.body === 'string' ? run.body : JSON.stringify(run.body, null, 2);
  return (
    <div className="response-body" data-testid="response-body">
      <div className="muted small-note">
        Non-streaming request: the whole Response arrived as one JSON body (HTTP {run.httpStatus ?? '?'}). Send with{' '}
        <code>&quot;stream&quot;: true</code> to see every event.
      </div>
      <CodeBlock text={body} testId="response-body-json" />
    </div>
  );
}
