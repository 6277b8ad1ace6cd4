/**
 * Generates a value that satisfies a JSON Schema, for tool arguments and structured output.
 * Covers what tool and response schemas use: type (and type lists), const, enum, properties /
 * required (every listed property is emitted, so strict schemas are satisfied), items / prefixItems
 * with minItems / maxItems, numeric bounds, string lengths and common formats, anyOf / oneOf
 * (first branch), allOf (merged), nullable types and local `$ref`s (#/$defs, #/definitions),
 * recursive ones included. `pattern` is not solved: such strings are plain words.
 *
 * Bounded (X7): the schema is the client's, and the generator runs inside the gateway's process,
 * so its work is budgeted in output — values and characters — and in depth, never by a timer.
 * Past MINIMAL_DEPTH it emits the least the schema allows (required properties only, minItems
 * items, a null or non-recursive anyOf branch), which ends recursive `$ref`s that can end. A
 * schema whose smallest value still exceeds the budget (`minItems: 1e9`, `minLength: 1e8`, a
 * recursion that never stops) is refused with a SchemaValueError naming the keyword and the limit
 * before anything large is built; the simulator answers it with a 400 (README.md).
 */
import type { Prng } from './prng.js';

type Schema = Record<string, unknown>;

/** Most the generator produces for one schema. */
export const SCHEMA_VALUE_BUDGET = {
  /** Values (objects, arrays, strings, numbers …) in the generated document. */
  maxValues: 10_000,
  /** Characters of the generated JSON, roughly (strings, keys and a few per value). */
  maxChars: 256 * 1024,
  /** Nesting of generated objects and arrays (and of `allOf` / `$ref` resolution). */
  maxDepth: 32,
  /** Schema keys copied while resolving `$ref` and merging `allOf` (bounds the work of resolution). */
  maxSteps: 1_000_000,
} as const;

/** From this depth on only what the schema requires is generated (recursive schemas end here). */
const MINIMAL_DEPTH = 8;
/** Characters charged per value besides its own text (quotes, separators). */
const VALUE_OVERHEAD_CHARS = 2;

/** A schema the simulator will not satisfy within SCHEMA_VALUE_BUDGET. */
export class SchemaValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaValueError';
  }
}

/** A finite number from a schema keyword, else undefined (`1e400` parses to Infinity). */
function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const WORDS = [
  'alpha',
  'bravo',
  'cedar',
  'delta',
  'ember',
  'fjord',
  'garnet',
  'harbor',
  'iris',
  'juniper',
  'kestrel',
  'lumen',
  'maple',
  'nimbus',
  'onyx',
  'prairie',
];
const CITIES = ['Paris', 'Lisbon', 'Osaka', 'Toronto', 'Nairobi', 'Oslo', 'Lima', 'Seoul'];

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

export class SchemaValueGenerator {
  private depth = 0;
  private values = 0;
  private chars = 0;
  private steps = 0;

  constructor(
    private readonly rng: Prng,
    private readonly root: Schema,
  ) {}

  generate(schema: unknown = this.root, name = 'value'): unknown {
    if (this.depth >= SCHEMA_VALUE_BUDGET.maxDepth)
      throw new SchemaValueError(
        `the schema needs values nested deeper than ${SCHEMA_VALUE_BUDGET.maxDepth} levels (a recursive $ref that never ends?)`,
      );
    this.charge(1, 0, name);
    this.depth++;
    try {
      return this.value(asSchema(schema), name);
    } finally {
      this.depth--;
    }
  }

  /** Counts `values` more values and `chars` more characters; throws once past the budget. */
  private charge(values: number, chars: number, name: string): void {
    this.values += values;
    this.chars += chars + values * VALUE_OVERHEAD_CHARS;
    if (this.values > SCHEMA_VALUE_BUDGET.maxValues)
      throw new SchemaValueError(
        `the schema needs more than ${SCHEMA_VALUE_BUDGET.maxValues} values (at '${name.slice(0, 64)}')`,
      );
    if (this.chars > SCHEMA_VALUE_BUDGET.maxChars)
      throw new SchemaValueError(
        `the schema needs more than ${SCHEMA_VALUE_BUDGET.maxChars} characters of JSON (at '${name.slice(0, 64)}')`,
      );
  }

  /** Counts schema keys handled while resolving; throws once past the budget. */
  private step(keys: number): void {
    this.steps += keys + 1;
    if (this.steps > SCHEMA_VALUE_BUDGET.maxSteps)
      throw new SchemaValueError(
        `resolving the schema's $ref / allOf takes more than ${SCHEMA_VALUE_BUDGET.maxSteps} steps`,
      );
  }

  /** Past MINIMAL_DEPTH only what the schema requires is generated. */
  private get minimal(): boolean {
    return this.depth > MINIMAL_DEPTH;
  }

  private resolve(schema: Schema, level = 0): Schema {
    if (level >= SCHEMA_VALUE_BUDGET.maxDepth)
      throw new SchemaValueError(
        `the schema's allOf / $ref chain is deeper than ${SCHEMA_VALUE_BUDGET.maxDepth} levels (a recursive allOf?)`,
      );
    let s = schema;
    for (let hops = 0; typeof s.$ref === 'string' && hops < 16; hops++) {
      const path = s.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
      let target: unknown = this.root;
      for (const key of path) target = asSchema(target)[key.replace(/~1/g, '/').replace(/~0/g, '~')];
      this.step(path.length + Object.keys(asSchema(target)).length + Object.keys(s).length);
      s = { ...asSchema(target), ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
    }
    if (Array.isArray(s.allOf)) {
      let merged: Schema = { ...s, allOf: undefined };
      for (const part of s.allOf) {
        const p = this.resolve(asSchema(part), level + 1);
        this.step(
          Object.keys(merged).length +
            Object.keys(p).length +
            Object.keys(asSchema(merged.properties)).length +
            Object.keys(asSchema(p.properties)).length +
            (Array.isArray(merged.required) ? merged.required.length : 0) +
            (Array.isArray(p.required) ? p.required.length : 0),
        );
        merged = {
          ...merged,
          ...p,
          properties: { ...asSchema(merged.properties), ...asSchema(p.properties) },
          required: [
            ...(Array.isArray(merged.required) ? merged.required : []),
            ...(Array.isArray(p.required) ? p.required : []),
          ],
        };
      }
      s = merged;
    }
    return s;
  }

  private value(input: Schema, name: string, hops = 0): unknown {
    if (hops >= SCHEMA_VALUE_BUDGET.maxDepth)
      throw new SchemaValueError(
        `the schema's anyOf / oneOf chain is deeper than ${SCHEMA_VALUE_BUDGET.maxDepth} levels (a recursive $ref?)`,
      );
    const s = this.resolve(input);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return this.rng.pick(s.enum);
    const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
    if (branches && branches.length > 0) {
      // Prefer a non-null branch so optional-by-null fields still carry data; deep down, the
      // branch most likely to end a recursion: null, else one without a $ref.
      const isNull = (b: unknown): boolean => asSchema(b).type === 'null';
      const branch = this.minimal
        ? (branches.find(isNull) ?? branches.find((b) => asSchema(b).$ref === undefined) ?? branches[0])
        : (branches.find((b) => !isNull(b)) ?? branches[0]);
      // The branch describes this same value (not a nested one): same depth, one hop further.
      return this.value({ ...s, anyOf: undefined, oneOf: undefined, ...asSchema(branch) }, name, hops + 1);
    }
    let type = s.type;
    if (Array.isArray(type))
      type = this.minimal && type.includes('null') ? 'null' : (type.find((t) => t !== 'null') ?? type[0]);
    if (type === undefined) {
      if (s.properties !== undefined) type = 'object';
      else if (s.items !== undefined) type = 'array';
      else type = 'string';
    }
    switch (type) {
      case 'object':
        return this.object(s);
      case 'array':
        return this.array(s, name);
      case 'integer':
        return this.number(s, true);
      case 'number':
        return this.number(s, false);
      case 'boolean':
        return this.rng.next() < 0.5;
      case 'null':
        return null;
      default:
        return this.string(s, name);
    }
  }

  private object(s: Schema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const props = asSchema(s.properties);
    const required = Array.isArray(s.required) ? (s.required as unknown[]) : [];
    const requiredSet = new Set(required);
    for (const key of Object.keys(props)) {
      if (this.minimal && !requiredSet.has(key)) continue;
      this.charge(0, key.length + 2, key);
      out[key] = this.generate(props[key], key);
    }
    for (const key of required) {
      if (typeof key === 'string' && !(key in out)) {
        this.charge(0, key.length + 2, key);
        out[key] = this.generate(s.additionalProperties ?? {}, key);
      }
    }
    return out;
  }

  private array(s: Schema, name: string): unknown[] {
    const minItems = finite(s.minItems);
    const min = Math.max(0, minItems ?? (this.minimal ? 0 : 1));
    const max = finite(s.maxItems) ?? Math.max(min, 3);
    // Refused before anything is built: the items alone would not fit.
    if (min > SCHEMA_VALUE_BUDGET.maxValues - this.values)
      throw new SchemaValueError(
        `minItems ${min} at '${name.slice(0, 64)}' exceeds the budget of ${SCHEMA_VALUE_BUDGET.maxValues} values`,
      );
    const count = this.minimal
      ? Math.min(min, Math.max(0, max))
      : this.rng.int(Math.min(min, max), Math.max(min, Math.min(max, min + 2)));
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
    const out: unknown[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      let item = this.generate(i < prefix.length ? prefix[i] : s.items, name);
      // uniqueItems: retry a few times, then vary strings and numbers explicitly.
      for (let tries = 0; s.uniqueItems === true && seen.has(JSON.stringify(item)) && tries < 4; tries++)
        item = this.generate(s.items, name);
      if (s.uniqueItems === true && seen.has(JSON.stringify(item))) {
        if (typeof item === 'string') item = `${item}${i}`;
        else if (typeof item === 'number') item = this.unusedNumber(this.resolve(asSchema(s.items)), seen, item);
      }
      seen.add(JSON.stringify(item));
      out.push(item);
    }
    return out;
  }

  /** The nearest value inside the item's bounds that is not taken yet (uniqueItems). */
  private unusedNumber(s: Schema, seen: Set<string>, start: number): number {
    const min = typeof s.minimum === 'number' ? s.minimum : -Infinity;
    const max = typeof s.maximum === 'number' ? s.maximum : Infinity;
    for (let k = 1; k < 1000; k++) {
      for (const v of [start + k, start - k]) if (v >= min && v <= max && !seen.has(JSON.stringify(v))) return v;
    }
    return start;
  }

  private number(s: Schema, integer: boolean): number {
    const minimum = finite(s.minimum);
    const exclusiveMinimum = finite(s.exclusiveMinimum);
    const maximum = finite(s.maximum);
    const exclusiveMaximum = finite(s.exclusiveMaximum);
    let min =
      minimum !== undefined ? minimum : exclusiveMinimum !== undefined ? exclusiveMinimum + (integer ? 1 : 0.5) : 0;
    let max =
      maximum !== undefined
        ? maximum
        : exclusiveMaximum !== undefined
          ? exclusiveMaximum - (integer ? 1 : 0.5)
          : min + 100;
    if (max < min) [min, max] = [max, min];
    if (integer) {
      const n = this.rng.int(Math.ceil(min), Math.floor(max));
      const step =
        typeof s.multipleOf === 'number' && Number.isInteger(s.multipleOf) && s.multipleOf > 0 ? s.multipleOf : 1;
      const m = Math.ceil(n / step) * step;
      return m > max ? Math.floor(n / step) * step : m;
    }
    return Math.round((min + this.rng.next() * (max - min)) * 100) / 100;
  }

  private string(s: Schema, name: string): string {
    switch (s.format) {
      case 'date-time':
        return `2025-0${this.rng.int(1, 9)}-1${this.rng.int(0, 9)}T1${this.rng.int(0, 9)}:30:00Z`;
      case 'date':
        return `2025-0${this.rng.int(1, 9)}-1${this.rng.int(0, 9)}`;
      case 'time':
        return `1${this.rng.int(0, 9)}:30:00Z`;
      case 'email':
        return `${this.rng.pick(WORDS)}@example.com`;
      case 'uri':
      case 'url':
        return `https://example.com/${this.rng.pick(WORDS)}`;
      case 'uuid':
        return `${this.rng.hex(8)}-${this.rng.hex(4)}-4${this.rng.hex(3)}-a${this.rng.hex(3)}-${this.rng.hex(12)}`;
      case 'ipv4':
        return `192.0.2.${this.rng.int(1, 254)}`;
      default:
        break;
    }
    let text = /city|location|place|town/i.test(name)
      ? this.rng.pick(CITIES)
      : `${this.rng.pick(WORDS)} ${this.rng.pick(WORDS)}`;
    const minLength = Math.max(0, finite(s.minLength) ?? 0);
    const maxLength = Math.max(0, finite(s.maxLength) ?? Infinity);
    // Refused before anything is built: the string alone would not fit.
    if (minLength > SCHEMA_VALUE_BUDGET.maxChars - this.chars)
      throw new SchemaValueError(
        `minLength ${minLength} at '${name.slice(0, 64)}' exceeds the budget of ${SCHEMA_VALUE_BUDGET.maxChars} characters`,
      );
    while (text.length < minLength) text += ` ${this.rng.pick(WORDS)}`;
    if (text.length > maxLength) text = text.slice(0, maxLength);
    this.charge(0, text.length, name);
    return text;
  }
}

export function valueForSchema(rng: Prng, schema: Record<string, unknown>): unknown {
  return new SchemaValueGenerator(rng, schema).generate();
}
