/**
 * `{{name}}` placeholders in a saved request. A placeholder that is a whole JSON string
 * (`"tools": "{{tools}}"`) takes the variable's JSON value when the variable holds an object or
 * an array; anywhere else the variable's text is put inside the string, JSON-escaped. Unknown
 * names are left as written, so the request shows what is missing.
 */
const WHOLE = /"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}"/g;
const INLINE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

function jsonValue(text: string): string | null {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return null;
  try {
    JSON.parse(t);
    return t;
  } catch {
    return null;
  }
}

export function resolveVariables(text: string, variables: Readonly<Record<string, string>>): string {
  if (!text.includes('{{')) return text;
  const whole = text.replace(WHOLE, (m, name: string) => {
    const v = variables[name];
    return v === undefined ? m : (jsonValue(v) ?? JSON.stringify(v));
  });
  return whole.replace(INLINE, (m, name: string) => {
    const v = variables[name];
    return v === undefined ? m : JSON.stringify(v).slice(1, -1);
  });
}

/** The placeholder names a request uses, in order of first use. */
export function variablesUsed(text: string): string[] {
  return [...new Set([...text.matchAll(INLINE)].map((m) => m[1]))];
}
