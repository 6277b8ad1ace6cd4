/**
 * Generates a value that satisfies a JSON Schema, for tool arguments and structured output.
 * Covers what tool and response schemas use: type (and type lists), const, enum, properties /
 * required (every listed property is emitted, so strict schemas are satisfied), items / prefixItems
 * with minItems / maxItems, numeric bounds, string lengths and common formats, anyOf / oneOf
 * (first branch), allOf (merged), nullable types and local `$ref`s (#/$defs, #/definitions).
 * `pattern` is not solved: such strings are plain words.
 */
import type { Prng } from './prng.js';

type Schema = Record<string, unknown>;

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

  constructor(
    private readonly rng: Prng,
    private readonly root: Schema,
  ) {}

  generate(schema: unknown = this.root, name = 'value'): unknown {
    if (this.depth > 12) return null;
    this.depth++;
    try {
      return this.value(asSchema(schema), name);
    } finally {
      this.depth--;
    }
  }

  private resolve(schema: Schema): Schema {
    let s = schema;
    for (let hops = 0; typeof s.$ref === 'string' && hops < 16; hops++) {
      const path = s.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
      let target: unknown = this.root;
      for (const key of path) target = asSchema(target)[key.replace(/~1/g, '/').replace(/~0/g, '~')];
      s = { ...asSchema(target), ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
    }
    if (Array.isArray(s.allOf)) {
      let merged: Schema = { ...s, allOf: undefined };
      for (const part of s.allOf) {
        const p = this.resolve(asSchema(part));
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

  private value(input: Schema, name: string): unknown {
    const s = this.resolve(input);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return this.rng.pick(s.enum);
    const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
    if (branches && branches.length > 0) {
      // Prefer a non-null branch so optional-by-null fields still carry data.
      const branch = branches.find((b) => asSchema(b).type !== 'null') ?? branches[0];
      return this.generate({ ...s, anyOf: undefined, oneOf: undefined, ...asSchema(branch) }, name);
    }
    let type = s.type;
    if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
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
    for (const key of Object.keys(props)) out[key] = this.generate(props[key], key);
    const required = Array.isArray(s.required) ? (s.required as unknown[]) : [];
    for (const key of required) {
      if (typeof key === 'string' && !(key in out)) out[key] = this.generate(s.additionalProperties ?? {}, key);
    }
    return out;
  }

  private array(s: Schema, name: string): unknown[] {
    const min = typeof s.minItems === 'number' ? s.minItems : 1;
    const max = typeof s.maxItems === 'number' ? s.maxItems : Math.max(min, 3);
    const count = this.rng.int(Math.min(min, max), Math.max(min, Math.min(max, min + 2)));
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
    let min =
      typeof s.minimum === 'number'
        ? s.minimum
        : typeof s.exclusiveMinimum === 'number'
          ? s.exclusiveMinimum + (integer ? 1 : 0.5)
          : 0;
    let max =
      typeof s.maximum === 'number'
        ? s.maximum
        : typeof s.exclusiveMaximum === 'number'
          ? s.exclusiveMaximum - (integer ? 1 : 0.5)
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
    const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
    const maxLength = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
    while (text.length < minLength) text += ` ${this.rng.pick(WORDS)}`;
    if (text.length > maxLength) text = text.slice(0, maxLength);
    return text;
  }
}

export function valueForSchema(rng: Prng, schema: Record<string, unknown>): unknown {
  return new SchemaValueGenerator(rng, schema).generate();
}
