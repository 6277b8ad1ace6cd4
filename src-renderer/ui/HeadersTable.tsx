/** HTTP headers as a name/value table; `highlight` marks the ones worth a look (request id, limits…). */
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
  const entries = Object.entries(headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <div className="muted small-note">{empty}</div>;
  const marked = (name: string) =>
    highlight.some((h) => (typeof h === 'string' ? h === name.toLowerCase() : h.test(name.toLowerCase())));
  return (
    <table className="headers-table" data-testid={testId}>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name} className={marked(name) ? 'marked' : ''} data-header={name.toLowerCase()}>
            <th className="mono">{name}</th>
            <td className="mono">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
