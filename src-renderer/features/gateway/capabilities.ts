/**
 * Reads `/v1/capabilities` without assuming more than it says: a feature is available only when
 * the gateway advertises it. Panels use this to show "not available on this gateway" instead of
 * pretending.
 */
export type Availability = 'available' | 'unavailable' | 'unknown';

function truthy(v: unknown): boolean | undefined {
  if (v === true) return true;
  if (v === false) return false;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // The gateway's capability table: { status: 'supported' | 'accepted' | 'unsupported', reason }.
    if (typeof o.status === 'string') return o.status === 'supported';
    if (o.enabled === false || o.supported === false || o.available === false) return false;
    return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  return undefined;
}

/** Looks for any of `names` at the top level, under `parameters` or `features`, or in a `features` list. */
export function featureAvailability(caps: Record<string, unknown> | null, names: string[]): Availability {
  if (!caps) return 'unknown';
  const features = caps.features;
  const section = (key: string) =>
    caps[key] && typeof caps[key] === 'object' ? (caps[key] as Record<string, unknown>) : {};
  const parameters = section('parameters');
  const gateway = section('gateway');
  for (const name of names) {
    const top = truthy(caps[name]) ?? truthy(parameters[name]) ?? truthy(gateway[name]);
    if (top !== undefined) return top ? 'available' : 'unavailable';
    if (Array.isArray(features) && features.includes(name)) return 'available';
    if (features && typeof features === 'object' && !Array.isArray(features)) {
      const nested = truthy((features as Record<string, unknown>)[name]);
      if (nested !== undefined) return nested ? 'available' : 'unavailable';
    }
  }
  return 'unavailable';
}

/** A string setting advertised under one of `paths` (dot-separated). */
export function capabilityString(caps: Record<string, unknown> | null, paths: string[]): string | undefined {
  if (!caps) return undefined;
  for (const path of paths) {
    let cur: unknown = caps;
    for (const part of path.split('.'))
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    if (typeof cur === 'string') return cur;
  }
  return undefined;
}

export const SESSION_FEATURES = ['session_mode', 'sessions', 'tool_outputs'];
/** Capability paths naming the encrypted-content inspect/decrypt endpoint. */
export const DECRYPT_ENDPOINT_PATHS = [
  'gateway.encrypted_content.inspect',
  'gateway.encrypted_content.endpoint',
  'encrypted_context.decrypt_endpoint',
  'features.encrypted_context.decrypt_endpoint',
  'decrypt.endpoint',
];
export const STORE_FEATURES = ['store', 'previous_response_id', 'stored_responses'];
export const DECRYPT_FEATURES = ['decrypt', 'encrypted_context', 'encrypted_reasoning'];

/** The decrypt endpoint, when the gateway advertises one that this page may use. */
export function decryptEndpoint(caps: Record<string, unknown> | null): string | undefined {
  const endpoint = capabilityString(caps, DECRYPT_ENDPOINT_PATHS);
  if (!endpoint) return undefined;
  const entry = (caps?.features as Record<string, unknown> | undefined)?.encrypted_context as
    { status?: string } | undefined;
  return entry?.status === 'unsupported' ? undefined : endpoint;
}

/** Header that opts a streaming request into session mode; advertised by the gateway when it has one. */
export function sessionHeader(caps: Record<string, unknown> | null): string {
  return (
    capabilityString(caps, [
      'session_mode.header',
      'sessions.header',
      'gateway.sessions.header',
      'gateway.session_mode.header',
      'features.session_mode.header',
      'features.sessions.header',
    ]) ?? 'X-Responses-Session'
  );
}
