/**
 * "Edit and resend": a run's request — live or recorded — back into the composer with the
 * switches it was sent with (dialect, extensions, session mode, simulator settings).
 */
import { useStudio } from '../../app/store.js';
import type { SimulatorFault } from '../composer/slice.js';
import { headerValue, type Run } from './run-model.js';

const FAULTS: readonly string[] = ['error_chunk', 'malformed_chunk', 'truncate', 'stall', 'rate_limit', 'server_error'];

export function openRequestInComposer(body: unknown, headers: Record<string, string>): void {
  const s = useStudio.getState();
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  const h = (name: string) => headerValue(headers, name);
  const ext = h('x-responses-extensions');
  const session = h('x-responses-session');
  const fault = h('x-simulator-fault') ?? '';
  s.setRequestText(text);
  s.setComposer({
    dialect: h('x-responses-dialect') === 'open-responses' ? 'open-responses' : 'openai',
    extensions: ext === undefined ? s.extensions : ext.trim().toLowerCase() === 'on',
    sessionMode: session !== undefined && ['on', 'true', '1'].includes(session.trim().toLowerCase()),
    fault: (FAULTS.includes(fault) ? fault : '') as SimulatorFault,
    ttftMs: h('x-simulator-ttft-ms') ?? '',
    tokenMs: h('x-simulator-token-ms') ?? '',
    deltas: h('x-simulator-deltas') ?? '',
    simTool: h('x-simulator-tool') ?? '',
    simToolArguments: h('x-simulator-tool-arguments') ?? '',
  });
  s.setSaved({ activeRequestId: null });
  s.showToast('Request loaded into the composer: edit it and press Send');
}

export function openRunInComposer(run: Run): void {
  openRequestInComposer(run.request, run.requestHeaders);
}
