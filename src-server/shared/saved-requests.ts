/**
 * Saved requests: named requests in collections, each collection with its variables (model,
 * base URL, tools…), as one JSON document. Isomorphic (the console imports it): the same checks
 * run on import in the page and on save in the gateway.
 *
 *   { "format": "responses-studio-requests", "version": 1,
 *     "collections": [ { "id", "name", "variables": { "model": "sim-chat" },
 *                        "requests": [ { "id", "name", "body": "{ …{{model}}… }",
 *                                        "dialect"?, "extensions"?, "sessionMode"? } ] } ] }
 *
 * `body` is the request text as written in the composer, `{{name}}` placeholders included.
 */
export const SAVED_REQUESTS_FORMAT = 'responses-studio-requests';
export const SAVED_REQUESTS_VERSION = 1;
/** Largest saved-requests document (the gateway refuses bigger ones with a 413). */
export const SAVED_REQUESTS_MAX_BYTES = 4 * 1024 * 1024;

export interface SavedRequest {
  id: string;
  name: string;
  body: string;
  dialect?: 'openai' | 'open-responses';
  extensions?: boolean;
  sessionMode?: boolean;
}

export interface Collection {
  id: string;
  name: string;
  variables: Record<string, string>;
  requests: SavedRequest[];
}

export interface SavedRequestsDoc {
  format: typeof SAVED_REQUESTS_FORMAT;
  version: typeof SAVED_REQUESTS_VERSION;
  collections: Collection[];
}

export class SavedRequestsError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

export function emptySavedRequests(): SavedRequestsDoc {
  return { format: SAVED_REQUESTS_FORMAT, version: SAVED_REQUESTS_VERSION, collections: [] };
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, param: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string') throw new SavedRequestsError(`'${param}' must be a string.`, param);
  if (!allowEmpty && v.trim() === '') throw new SavedRequestsError(`'${param}' must not be empty.`, param);
  if (v.length > max) throw new SavedRequestsError(`'${param}' is longer than ${max} characters.`, param);
  return v;
}

function request(v: unknown, param: string): SavedRequest {
  if (!isObject(v)) throw new SavedRequestsError(`'${param}' must be an object.`, param);
  const out: SavedRequest = {
    id: text(v.id, `${param}.id`, 100),
    name: text(v.name, `${param}.name`, 200),
    body: text(v.body, `${param}.body`, SAVED_REQUESTS_MAX_BYTES, true),
  };
  if (v.dialect !== undefined) {
    if (v.dialect !== 'openai' && v.dialect !== 'open-responses')
      throw new SavedRequestsError(`'${param}.dialect' must be 'openai' or 'open-responses'.`, `${param}.dialect`);
    out.dialect = v.dialect;
  }
  for (const flag of ['extensions', 'sessionMode'] as const) {
    if (v[flag] === undefined) continue;
    if (typeof v[flag] !== 'boolean')
      throw new SavedRequestsError(`'${param}.${flag}' must be a boolean.`, `${param}.${flag}`);
    out[flag] = v[flag];
  }
  return out;
}

function collection(v: unknown, param: string): Collection {
  if (!isObject(v)) throw new SavedRequestsError(`'${param}' must be an object.`, param);
  const variables: Record<string, string> = {};
  const rawVars = v.variables ?? {};
  if (!isObject(rawVars)) throw new SavedRequestsError(`'${param}.variables' must be an object.`, `${param}.variables`);
  for (const [name, value] of Object.entries(rawVars)) {
    if (!VARIABLE_NAME.test(name))
      throw new SavedRequestsError(
        `'${param}.variables' has an invalid name '${name.slice(0, 64)}' (letters, digits, _ . -).`,
        `${param}.variables`,
      );
    variables[name] = text(value, `${param}.variables.${name}`, 1024 * 1024, true);
  }
  if (!Array.isArray(v.requests))
    throw new SavedRequestsError(`'${param}.requests' must be an array.`, `${param}.requests`);
  return {
    id: text(v.id, `${param}.id`, 100),
    name: text(v.name, `${param}.name`, 200),
    variables,
    requests: v.requests.map((r, i) => request(r, `${param}.requests[${i}]`)),
  };
}

/** Checks a whole document; throws SavedRequestsError naming the offending field. */
export function parseSavedRequests(value: unknown): SavedRequestsDoc {
  if (!isObject(value)) throw new SavedRequestsError('The saved requests must be a JSON object.', 'body');
  if (value.format !== SAVED_REQUESTS_FORMAT)
    throw new SavedRequestsError(`'format' must be '${SAVED_REQUESTS_FORMAT}'.`, 'format');
  if (value.version !== SAVED_REQUESTS_VERSION)
    throw new SavedRequestsError(`'version' must be ${SAVED_REQUESTS_VERSION}.`, 'version');
  if (!Array.isArray(value.collections)) throw new SavedRequestsError("'collections' must be an array.", 'collections');
  const collections = value.collections.map((c, i) => collection(c, `collections[${i}]`));
  const ids = new Set<string>();
  for (const c of collections) {
    if (ids.has(c.id)) throw new SavedRequestsError(`Two collections have the id '${c.id}'.`, 'collections');
    ids.add(c.id);
  }
  return { format: SAVED_REQUESTS_FORMAT, version: SAVED_REQUESTS_VERSION, collections };
}
