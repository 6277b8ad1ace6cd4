/**
 * Function calls of a run and their argument checks. The checker covers the JSON Schema subset
 * that tool parameters use (type, properties, required, enum, additionalProperties, items): a
 * full validator would compile schemas with `new Function`, which the console's CSP forbids.
 */
import { isLive, type AssembledItem, type Run } from '../timeline/run-model.js';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  description?: string;
};

export interface ToolDef {
  name: string;
  parameters?: JsonSchema;
}

export interface PendingCall {
  item: AssembledItem;
  callId: string;
  name: string;
  tool?: ToolDef;
  /** Arguments so far; complete once `item.status` is `completed`. */
  arguments: string;
  complete: boolean;
  parsed?: unknown;
  problems: string[];
  /** The output this call was answered with, when it was. */
  output?: string;
  /** The output is an item of the run (the gateway confirmed it), not only what this console sent. */
  outputInRun: boolean;
}

export function toolsOf(request: Record<string, unknown>): ToolDef[] {
  const tools = Array.isArray(request.tools) ? request.tools : [];
  const out: ToolDef[] = [];
  for (const t of tools) {
    if (!t || typeof t !== 'object') continue;
    const o = t as Record<string, unknown>;
    // Responses shape: { type: 'function', name, parameters }; Chat shape nests under `function`.
    const fn = (o.function && typeof o.function === 'object' ? o.function : o) as Record<string, unknown>;
    if (typeof fn.name === 'string') out.push({ name: fn.name, parameters: fn.parameters as JsonSchema | undefined });
  }
  return out;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function checkAgainstSchema(value: unknown, schema: JsonSchema | undefined, path = '$'): string[] {
  if (!schema) return [];
  const problems: string[] = [];
  if (schema.type) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    const ok = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
    if (!ok) return [`${path}: expected ${allowed.join(' | ')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    problems.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const req of schema.required ?? [])
      if (!(req in obj)) problems.push(`${path}: missing required property '${req}'`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) problems.push(...checkAgainstSchema(v, sub, `${path}.${k}`));
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property '${k}'`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        problems.push(...checkAgainstSchema(v, schema.additionalProperties, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => problems.push(...checkAgainstSchema(v, schema.items, `${path}[${i}]`)));
  return problems;
}

/**
 * Every function call of the run with its argument check, answered ones included: `output` is
 * the output the run itself carries (a function_call_output item), else the one this console
 * submitted (`answered`).
 */
export function functionCalls(run: Run, answered: Readonly<Record<string, string>> = {}): PendingCall[] {
  const tools = toolsOf(run.request);
  const outputs = new Map<string, string>();
  for (const i of run.items)
    if (i.type === 'function_call_output' && i.callId && i.output !== undefined) outputs.set(i.callId, i.output);
  const calls: PendingCall[] = [];
  for (const item of run.items) {
    if (item.type !== 'function_call') continue;
    const callId = item.callId ?? item.itemId ?? item.key;
    const tool = tools.find((t) => t.name === item.name);
    const complete = item.status === 'completed' || !isLive(run);
    const output = outputs.get(callId) ?? answered[callId];
    const call: PendingCall = {
      item,
      callId,
      name: item.name ?? '?',
      tool,
      arguments: item.arguments,
      complete,
      problems: [],
      output,
      outputInRun: outputs.has(callId),
    };
    if (complete) {
      try {
        call.parsed = JSON.parse(item.arguments || '{}');
        call.problems = checkAgainstSchema(call.parsed, tool?.parameters);
      } catch (e) {
        call.problems = [`arguments are not valid JSON: ${(e as Error).message}`];
      }
      if (!tool) call.problems.push(`no tool named '${call.name}' in the request`);
    }
    calls.push(call);
  }
  return calls;
}

/** Calls that still need an output. */
export function unansweredCalls(run: Run, answered: Readonly<Record<string, string>> = {}): PendingCall[] {
  return functionCalls(run, answered).filter((c) => c.output === undefined);
}

/** Starting values for the answer form, from the schema. */
export function defaultForSchema(schema: JsonSchema | undefined): unknown {
  if (!schema) return '';
  if (schema.enum?.length) return schema.enum[0];
  const t = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (t) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = defaultForSchema(v);
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return '';
  }
}
