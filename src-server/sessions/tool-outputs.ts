/**
 * The body of `POST /v1/responses/{id}/tool_outputs`:
 * `{"tool_outputs": [{"call_id": "...", "output": "..." | [content parts]}]}`.
 * Every problem is a 400 naming the field (`tool_outputs[2].output`).
 */
import { errors } from '../shared/protocol/errors.js';

export interface ToolOutput {
  call_id: string;
  /** A string, or content parts (input_text / input_image / input_file) as in function_call_output. */
  output: string | Record<string, unknown>[];
}

const PART_TYPES = new Set(['input_text', 'input_image', 'input_file']);

export function parseToolOutputs(body: unknown): ToolOutput[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw errors.invalidBody(Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body);
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (key !== 'tool_outputs') throw errors.unknownParameter(key);
  const list = fields.tool_outputs;
  if (list === undefined) throw errors.missingRequired('tool_outputs');
  if (!Array.isArray(list)) throw errors.invalidType('tool_outputs', 'an array of {call_id, output} objects');
  if (list.length === 0) throw errors.invalidValue('tool_outputs', "'tool_outputs' must hold at least one output.");
  return list.map((entry: unknown, i): ToolOutput => {
    const param = `tool_outputs[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw errors.invalidType(param, 'an object with call_id and output');
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e))
      if (key !== 'call_id' && key !== 'output' && key !== 'type') throw errors.unknownParameter(`${param}.${key}`);
    if (e.type !== undefined && e.type !== 'function_call_output')
      throw errors.invalidValue(`${param}.type`, `'${param}.type' must be 'function_call_output' when given.`);
    if (e.call_id === undefined) throw errors.missingRequired(`${param}.call_id`);
    if (typeof e.call_id !== 'string' || e.call_id === '')
      throw errors.invalidType(`${param}.call_id`, 'a non-empty string');
    if (e.output === undefined) throw errors.missingRequired(`${param}.output`);
    if (typeof e.output === 'string') return { call_id: e.call_id, output: e.output };
    if (!Array.isArray(e.output)) throw errors.invalidType(`${param}.output`, 'a string or an array of content parts');
    const parts = e.output as unknown[];
    parts.forEach((part, j) => {
      const type = (part as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || !PART_TYPES.has(type))
        throw errors.invalidValue(
          `${param}.output[${j}].type`,
          `'${param}.output[${j}].type' must be one of input_text, input_image, input_file.`,
        );
    });
    return { call_id: e.call_id, output: parts as Record<string, unknown>[] };
  });
}
