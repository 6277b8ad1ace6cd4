/**
 * Validation against the Open Responses specification (../shared/spec/openresponses-openapi.json,
 * OpenAPI 3.1 = JSON Schema 2020-12): streaming events, response objects and request bodies.
 * The document is compiled once, on first use. Each function returns ajv error strings
 * (`<path> <message>`); an empty array means valid.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default import is module.exports, whose `.default` is the plugin.
const addFormats = formats.default;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OPEN_RESPONSES_SPEC_PATH = path.resolve(REPO_ROOT, '../shared/spec/openresponses-openapi.json');
const SPEC_ID = 'open-responses-spec';

interface Compiled {
  ajv: Ajv2020;
  eventSchemas: Map<string, string>;
  cache: Map<string, ValidateFunction>;
}

let compiled: Compiled | undefined;

function load(): Compiled {
  if (compiled) return compiled;
  const spec = JSON.parse(readFileSync(OPEN_RESPONSES_SPEC_PATH, 'utf8')) as {
    components: { schemas: Record<string, { properties?: { type?: { enum?: string[]; const?: string } } }> };
  };
  // strict: false — the document carries OpenAPI annotations (example, discriminator, x-*).
  const ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema(spec, SPEC_ID);
  const eventSchemas = new Map<string, string>();
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    if (!name.endsWith('StreamingEvent')) continue;
    const type = schema.properties?.type?.enum?.[0] ?? schema.properties?.type?.const;
    if (type !== undefined) eventSchemas.set(type, name);
  }
  compiled = { ajv, eventSchemas, cache: new Map() };
  return compiled;
}

function validatorFor(schemaName: string): ValidateFunction {
  const c = load();
  let fn = c.cache.get(schemaName);
  if (!fn) {
    const found = c.ajv.getSchema(`${SPEC_ID}#/components/schemas/${schemaName}`);
    if (!found) throw new Error(`The spec has no schema '${schemaName}'.`);
    fn = found;
    c.cache.set(schemaName, fn);
  }
  return fn;
}

function run(schemaName: string, value: unknown): string[] {
  const fn = validatorFor(schemaName);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** The `*StreamingEvent` schema names by event type (the 24 events of the spec). */
export function specEventTypes(): string[] {
  return [...load().eventSchemas.keys()];
}

/** Validates an event against the `*StreamingEvent` schema of its `type`; an unknown type is an error. */
export function validateEventAgainstSpec(event: unknown): string[] {
  const type = (event as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? load().eventSchemas.get(type) : undefined;
  if (schema === undefined) return [`/type '${String(type)}' is not a streaming event of the Open Responses spec`];
  return run(schema, event);
}

export function validateResponseAgainstSpec(response: unknown): string[] {
  return run('ResponseResource', response);
}

export function validateRequestAgainstSpec(body: unknown): string[] {
  return run('CreateResponseBody', body);
}

/** Validates a value against any schema of the spec by name (`CompactResource`, `WebSocketErrorEvent`, …). */
export function validateAgainstSpec(schemaName: string, value: unknown): string[] {
  return run(schemaName, value);
}
