/**
 * Paging parameters of list routes (`GET /v1/recordings?limit=&offset=`): whole numbers in their
 * range or a 400 naming the parameter, never a NaN or an Infinity handed to the store.
 */
import { errors } from '../shared/protocol/errors.js';

/** A whole number in [min, max] from the query, undefined when absent or empty. */
export function queryInteger(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
    throw errors.invalidValue(
      name,
      `Invalid '${name}': expected an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 64))}.`,
    );
  return n;
}
