/** The gateway's active flags as reported in `gateway.flags` (secrets arrive redacted). */
export function FlagsTable({ flags }: { flags: Record<string, unknown> }) {
  const entries = Object.entries(flags);
  return (
    <table className="history flags-table" data-testid="gateway-flags">
      <thead>
        <tr>
          <th>Flag</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <td className="mono">--{name}</td>
            <td className="mono">
              {value === null ? (
                <span className="muted">–</span>
              ) : typeof value === 'string' ? (
                value
              ) : (
                JSON.stringify(value)
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
