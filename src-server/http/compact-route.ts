/**
 * POST /v1/responses/compact (X3): the HTTP side of compaction/compact.ts — body, rate-limit
 * admission, the client leaving (the summary call is aborted), the JSON answer.
 */
import { Cancel } from '../cancel/cancel.js';
import type { BackendAdapter } from '../backends/contract.js';
import { compact, compactionRequest } from '../compaction/compact.js';
import type { GatewayConfig } from '../config/flags.js';
import { contained } from '../engine/contain.js';
import type { StateService } from '../state/service.js';
import { checkJsonContentType, parseJson, readBody } from './body.js';
import { reportTo } from '../logging/logger.js';
import { simulatorHeaders } from './request-headers.js';
import { sendJson, type RequestContext } from './respond.js';
import type { Surface } from './surface.js';

export interface CompactRouteDeps {
  config: GatewayConfig;
  backend: BackendAdapter;
  state: StateService;
  surface: Surface;
}

export async function compactRoute(ctx: RequestContext, deps: CompactRouteDeps): Promise<void> {
  const { config, state } = deps;
  const badType = checkJsonContentType(ctx.req);
  if (badType) throw badType;
  const raw = await readBody(ctx.req, config.maxRequestBytes, ctx.out.requestBody);
  const request = compactionRequest(parseJson(raw, config.maxRequestDepth), config);
  const budget = await deps.surface.admit(ctx, raw.length, null);
  const controller = new Cancel();
  const onClose = contained(
    'aborting a compaction whose client left',
    (): void => {
      if (!ctx.res.writableFinished) controller.abort();
    },
    reportTo(ctx.log),
  );
  ctx.res.once('close', onClose);
  try {
    const result = await compact(
      request,
      { config, backend: deps.backend, store: state.store, keyring: state.keyring },
      {
        requestId: ctx.requestId,
        logger: ctx.log,
        principal: ctx.principal,
        backendHeaders: simulatorHeaders(ctx.req),
        signal: controller.signal,
        startedAt: ctx.startedAt,
      },
    );
    if (budget) {
      budget.settle(result.usage.total_tokens);
      Object.assign(ctx.headers, budget.headers());
    }
    sendJson(ctx, 200, result);
  } finally {
    ctx.res.off('close', onClose);
    // A failed compaction costs nothing (settle is once: a no-op after the one above).
    budget?.settle(0);
  }
}
