/**
 * The JSON of a response snapshot, made once. An event's response is a snapshot that is never
 * changed once emitted, and `response.created` and `response.in_progress` carry the same one: its
 * JSON, the largest part of both events, is made once, by whoever needs it first — the transport
 * writing the first event (http/sse-event-json.ts, which the WebSocket frames use too), or the run
 * while the backend is still working on the request (engine/response-run.ts).
 */
const made = new WeakMap<object, string>();

/** `JSON.stringify(response)`, from the cache when this object was serialized before. */
export function responseJson(response: object): string {
  let json = made.get(response);
  if (json === undefined) {
    json = JSON.stringify(response);
    made.set(response, json);
  }
  return json;
}
