import { useState } from 'react';

/** Values longer than this are shown on two lines until clicked (CORS lists, long cookies). */
const LONG_VALUE = 120;

function Value({ value }: { value: string }) {
  const [open, setOpen] = useState(false);
  if (value.length <= LONG_VALUE) return <>{value}</>;
  return (
    <span
      className={open ? 'header-value' : 'header-value clamped'}
      title={open ? undefined : 'Click to show the whole value'}
      onClick={() => setOpen(!open)}
    >
      {value}
    </span>
  );
}

/**
 * HTTP headers as a name/value table, values verbatim. The ones worth a look first (`highlight`:
 * request id, Retry-After, rate limits…) come first and are marked; the rest follow by name.
 */
export function HeadersTable({
  headers,
  highlight = [],
  testId,
  empty = 'none',
}: {
  headers: Readonly<Record<string, string>> | undefined;
  highlight?: readonly (string | RegExp)[];
  testId?: string;
  empty?: string;
}) {
  const marked = (name: string) =>
    highlight.some((h) => (typeof h === 'string' ? h === name.toLowerCase() : h.test(name.toLowerCase())));
  const entries = Object.entries(headers ?? {}).sort(
    ([a], [b]) => Number(marked(b)) - Number(marked(a)) || a.localeCompare(b),
  );
  if (entries.length === 0) return <div className="muted small-note">{empty}</div>;
  return (
    <table className="headers-table" data-testid={testId}>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name} className={marked(name) ? 'marked' : ''} data-header={name.toLowerCase()}>
            <th className="mono">{name}</th>
            <td className="mono">
              <Value value={value} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
