/** Text shown verbatim (bodies, raw SSE), wrapped and scrolled inside its box; `note` says what is not shown. */
export function CodeBlock({
  text,
  testId,
  note,
  empty = '(empty)',
}: {
  text: string;
  testId?: string;
  note?: string;
  empty?: string;
}) {
  return (
    <div className="code-block">
      {note ? <div className="muted small-note">{note}</div> : null}
      <pre data-testid={testId}>{text === '' ? <span className="muted">{empty}</span> : text}</pre>
    </div>
  );
}
