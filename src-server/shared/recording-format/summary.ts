/** Library fields of a run (tools the model called, output text, model) from its final Response. Isomorphic. */
import { finalResponse, type RunEvent } from './format.js';

export interface RunSummary {
  toolsUsed: string[];
  text: string | null;
  model: string | null;
}

export function runSummary(run: { events: readonly RunEvent[] }): RunSummary {
  return responseSummary(finalResponse({ events: run.events as RunEvent[] }));
}

export function responseSummary(response: Record<string, unknown> | null): RunSummary {
  if (!response) return { toolsUsed: [], text: null, model: null };
  const tools = new Set<string>();
  const text: string[] = [];
  for (const item of Array.isArray(response.output) ? (response.output as unknown[]) : []) {
    if (typeof item !== 'object' || item === null) continue;
    const o = item as Record<string, unknown>;
    if (o.type === 'function_call' && typeof o.name === 'string') tools.add(o.name);
    else if (typeof o.type === 'string' && o.type.endsWith('_call')) tools.add(o.type);
    if (o.type === 'message' && Array.isArray(o.content)) {
      for (const part of o.content as unknown[]) {
        const p = part as Record<string, unknown> | null;
        if (p && p.type === 'output_text' && typeof p.text === 'string') text.push(p.text);
      }
    }
  }
  return {
    toolsUsed: [...tools],
    text: text.length > 0 ? text.join('\n') : null,
    model: typeof response.model === 'string' ? response.model : null,
  };
}
