/**
 * Validates a `POST /v1/responses` body against CREATE_RESPONSE_REQUEST_SCHEMA and turns the first
 * problem into an OpenAI-style 400 (type, code, and `param` as a path such as
 * `input[0].content[1].image_url`).
 *
 * Hot path: one ajv function, compiled lazily on first use, stops at the first error. Only a body
 * that fails in lenient mode pays for more, to find its unknown fields. A small body (at most
 * ALL_ERRORS_MAX_VALUES values) gets one all-errors pass that finds every unknown field. A larger
 * one never does: ajv's all-errors code copies its error list for every failing sub-schema,
 * quadratic in the errors (a body of 20,000 invalid items held the event loop for 30 s); it gets
 * rounds of a first-error validator that reports the data and schema around the error, each
 * round removing every unknown key of the objects it names, at most LENIENT_ROUNDS rounds.
 * ajv generates code with `new Function`, so this module is for the gateway; the console uses the
 * schema itself (Monaco) and does not need to import it.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { errors, type GatewayError } from './errors.js';
import { valueCountWithin } from './json-depth.js';
import { CREATE_RESPONSE_REQUEST_SCHEMA } from './request-schema.js';
import type { CreateResponseRequest } from './types.js';

export type CompatMode = 'strict' | 'lenient';

export interface ValidatedRequest {
  request: CreateResponseRequest;
  /** Paths of unknown fields removed in lenient mode (`foo`, `input[0].bar`); empty in strict mode. */
  ignoredFields: string[];
}

let firstError: ValidateFunction | undefined;
let firstErrorVerbose: ValidateFunction | undefined;
let everyError: ValidateFunction | undefined;

/** Largest body (objects, arrays and scalars counted) that gets the all-errors pass in lenient mode. */
export const ALL_ERRORS_MAX_VALUES = 2000;

/**
 * Most rounds of unknown-field removal in lenient mode. One round removes the unknown fields of
 * every object its first error names; fields left after the last round are reported as unknown.
 */
export const LENIENT_ROUNDS = 32;

/**
 * allowUnionTypes: the schema uses `type: [..]` unions instead of anyOf (clearer errors).
 * inlineRefs off: each $def compiles once instead of once per use. validateSchema off: checking the
 * schema against the 2020-12 meta-schema doubles start-up time; a test does it instead.
 */
export const AJV_OPTIONS = {
  allowUnionTypes: true,
  discriminator: true,
  strict: true,
  strictRequired: false,
  inlineRefs: false,
} as const;

function compile(options: { allErrors?: boolean; verbose?: boolean }): ValidateFunction {
  return new Ajv2020({ ...AJV_OPTIONS, allErrors: false, ...options, validateSchema: false }).compile(
    CREATE_RESPONSE_REQUEST_SCHEMA,
  );
}

/** Compiles the validator now (gateway start-up) instead of on the first request. */
export function precompileRequestValidator(options: { lenient?: boolean } = {}): void {
  validator();
  if (options.lenient) {
    verboseValidator();
    allErrorsValidator();
  }
}

function validator(): ValidateFunction {
  firstError ??= compile({});
  return firstError;
}

/** First error only, with `data` and `parentSchema` on each error (to find every unknown key of an object). */
function verboseValidator(): ValidateFunction {
  firstErrorVerbose ??= compile({ verbose: true });
  return firstErrorVerbose;
}

/** Every error: only for bodies of at most ALL_ERRORS_MAX_VALUES values (see the header). */
function allErrorsValidator(): ValidateFunction {
  everyError ??= compile({ allErrors: true });
  return everyError;
}

export function validateCreateRequest(body: unknown, options: { compat: CompatMode }): ValidatedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalidBody(describe(body));
  const validate = validator();
  if (validate(body)) return { request: body as CreateResponseRequest, ignoredFields: [] };
  let failures = validate.errors ?? [];

  if (options.compat === 'lenient') {
    const small = valueCountWithin(body, ALL_ERRORS_MAX_VALUES) !== -1;
    // The first pass: every error of a small body, or the first error with its data and schema.
    const find = small ? allErrorsValidator() : verboseValidator();
    find(body);
    let unknown = unknownFields(find.errors ?? []);
    let pruned: Record<string, unknown> | null = null;
    const ignored: string[][] = [];
    for (let round = 0; unknown.length > 0 && round < LENIENT_ROUNDS; round++) {
      // Removed from a copy: the caller's object (and the recorder's view of it) stay as sent.
      pruned ??= structuredClone(body) as Record<string, unknown>;
      for (const pointer of unknown) removeAt(pruned, pointer);
      ignored.push(...unknown);
      if (validate(pruned))
        return { request: pruned as unknown as CreateResponseRequest, ignoredFields: ignored.map(paramPath) };
      failures = validate.errors ?? [];
      // More unknown fields the first pass did not name (a large body: one object per round).
      const next = verboseValidator();
      next(pruned);
      unknown = unknownFields(next.errors ?? []);
    }
  }
  throw toGatewayError(failures);
}

/**
 * JSON pointers (as segment arrays) of the unknown fields the errors point at: every key of an
 * object named by an `additionalProperties` error that its schema does not list (the error only
 * names the first one).
 */
function unknownFields(failures: ErrorObject[]): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  for (const e of failures) {
    if (e.keyword !== 'additionalProperties') continue;
    const at = pointerSegments(e.instancePath);
    const parent = e.parentSchema as { properties?: Record<string, unknown>; patternProperties?: unknown } | undefined;
    const data = e.data;
    const keys =
      parent?.properties && parent.patternProperties === undefined && typeof data === 'object' && data !== null
        ? Object.keys(data).filter((k) => !Object.hasOwn(parent.properties as object, k))
        : [String((e.params as { additionalProperty: string }).additionalProperty)];
    for (const key of keys) {
      const id = `${e.instancePath}\u0000${key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push([...at, key]);
    }
  }
  return out;
}

function removeAt(root: Record<string, unknown>, segments: string[]): void {
  let node: unknown = root;
  for (const segment of segments.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[segment];
  }
  if (typeof node === 'object' && node !== null)
    delete (node as Record<string, unknown>)[segments[segments.length - 1]];
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `['input', '0', 'content']` → `input[0].content` (OpenAI's param notation). */
function paramPath(segments: string[]): string {
  let out = '';
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

function join(pointer: string, child?: string): string {
  const segments = pointerSegments(pointer);
  if (child !== undefined) segments.push(child);
  return paramPath(segments);
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return ARTICLE[typeof value] ?? typeof value;
}

/** Keywords that only report that a sub-schema failed; the useful error precedes them. */
const WRAPPERS = new Set(['if', 'allOf', 'anyOf', 'oneOf', 'not', 'propertyNames']);

function toGatewayError(failures: ErrorObject[]): GatewayError {
  const e = failures.find((f) => !WRAPPERS.has(f.keyword)) ?? failures[0];
  if (e === undefined) return errors.internal('Request validation failed without a reason.');
  // propertyNames errors name the object; the offending key is in `propertyName`.
  const param = e.propertyName !== undefined ? join(e.instancePath, e.propertyName) : join(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return errors.missingRequired(join(e.instancePath, String(params.missingProperty)));
    case 'additionalProperties':
      return errors.unknownParameter(join(e.instancePath, String(params.additionalProperty)));
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(',');
      return errors.invalidType(param, types.map((t) => ARTICLE[t] ?? t).join(' or '));
    }
    case 'enum':
      return errors.invalidValue(
        param,
        `Invalid value for '${param}': expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}.`,
      );
    case 'discriminator': {
      // ajv's discriminator: `tag` = the type is not a string, `mapping` = no branch has that type.
      const typeParam = join(e.instancePath, String(params.tag));
      return params.error === 'tag'
        ? errors.invalidType(typeParam, 'a string')
        : errors.invalidValue(
            typeParam,
            `Invalid value for '${typeParam}': ${JSON.stringify(params.tagValue)} is not a known type.`,
          );
    }
    case 'const':
      return errors.invalidValue(
        param,
        `Invalid value for '${param}': expected ${JSON.stringify(params.allowedValue)}.`,
      );
    case 'maxProperties':
      return errors.invalidValue(param, `Invalid '${param}': at most ${String(params.limit)} entries are allowed.`);
    case 'maxLength':
      return e.propertyName !== undefined
        ? errors.invalidValue(
            param,
            `Invalid key in '${join(e.instancePath)}': keys are at most ${String(params.limit)} characters.`,
          )
        : errors.invalidValue(
            param,
            `Invalid '${param}': string too long, at most ${String(params.limit)} characters.`,
          );
    case 'minLength':
      return errors.invalidValue(
        param,
        `Invalid '${param}': string too short, at least ${String(params.limit)} characters.`,
      );
    case 'minimum':
    case 'maximum':
      return errors.invalidValue(
        param,
        `Invalid '${param}': must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(params.limit)}.`,
      );
    case 'pattern':
      return errors.invalidValue(param, `Invalid '${param}': does not match the pattern '${String(params.pattern)}'.`);
    default:
      return errors.invalidValue(param, `Invalid '${param || 'body'}': ${e.message ?? 'not valid'}.`);
  }
}
