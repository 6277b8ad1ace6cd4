import type { JsonSchema } from './pending.js';

/** A form generated from a JSON Schema (objects, strings, numbers, booleans, enums; JSON text for the rest). */
export function SchemaForm({
  schema,
  value,
  onChange,
  path = 'output',
}: {
  schema: JsonSchema | undefined;
  value: unknown;
  onChange: (v: unknown) => void;
  path?: string;
}) {
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  if (schema?.enum) {
    return (
      <select
        data-testid={`field-${path}`}
        value={JSON.stringify(value)}
        onChange={(e) => onChange(JSON.parse(e.target.value))}
      >
        {schema.enum.map((opt) => (
          <option key={JSON.stringify(opt)} value={JSON.stringify(opt)}>
            {String(opt)}
          </option>
        ))}
      </select>
    );
  }
  if (type === 'object' && schema?.properties) {
    const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
    return (
      <div className="schema-object">
        {Object.entries(schema.properties).map(([key, sub]) => (
          <label key={key} className="schema-field">
            <span>
              {key}
              {schema.required?.includes(key) ? ' *' : ''}
            </span>
            <SchemaForm
              schema={sub}
              value={obj[key]}
              path={`${path}.${key}`}
              onChange={(v) => onChange({ ...obj, [key]: v })}
            />
          </label>
        ))}
      </div>
    );
  }
  if (type === 'boolean')
    return (
      <input
        type="checkbox"
        data-testid={`field-${path}`}
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  if (type === 'number' || type === 'integer') {
    return (
      <input
        type="number"
        data-testid={`field-${path}`}
        value={typeof value === 'number' ? value : 0}
        onChange={(e) => onChange(Number(e.target.value))}
      />
    );
  }
  if (type === 'string' || !type) {
    return (
      <input
        type="text"
        data-testid={`field-${path}`}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <textarea
      data-testid={`field-${path}`}
      value={JSON.stringify(value)}
      onChange={(e) => onChange(safeParse(e.target.value))}
    />
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
