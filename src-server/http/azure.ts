/**
 * Azure OpenAI path formats (M1, `--enable-azure-api`). Every `/v1/responses…` route is also
 * served at
 *   /openai/v1/responses…                                  (api-version optional)
 *   /openai/responses…?api-version=…                         (api-version required)
 *   /openai/deployments/{deployment}/responses…?api-version=… (the deployment names the model)
 * by the same handlers. Azure routes accept the `api-key` header, answer an unsupported
 * api-version with a 400 listing the supported ones, add Azure's headers, and store responses by
 * default (docs/azure.md).
 */
import { errors } from '../shared/protocol/errors.js';
import type { RequestContext } from './respond.js';

/** api-version values the Azure routes accept (the versioned paths require one of them). */
export const AZURE_API_VERSIONS = ['2025-03-01-preview', '2025-04-01-preview', 'preview', 'latest', 'v1'] as const;

export type AzureRouteKind = 'v1' | 'versioned' | 'deployment';

export interface AzureAlias {
  path: string;
  kind: AzureRouteKind;
}

/** The Azure aliases of a gateway path (none for paths outside `/v1/responses`). */
export function azureAliases(path: string): AzureAlias[] {
  if (path !== '/v1/responses' && !path.startsWith('/v1/responses/')) return [];
  const rest = path.slice('/v1'.length);
  return [
    { path: `/openai/v1${rest}`, kind: 'v1' },
    { path: `/openai${rest}`, kind: 'versioned' },
    { path: `/openai/deployments/:deployment${rest}`, kind: 'deployment' },
  ];
}

export function isAzurePath(path: string): boolean {
  return path.startsWith('/openai/');
}

/** Azure's response headers; x-ms-request-id and apim-request-id carry the gateway's request id (L7). */
export function azureHeaders(requestId: string, region: string): Record<string, string> {
  return {
    'x-ms-request-id': requestId,
    'apim-request-id': requestId,
    'x-ms-region': region,
    'api-supported-versions': AZURE_API_VERSIONS.join(', '),
  };
}

/** Throws the 400 for a missing (versioned paths) or unsupported api-version. */
export function checkApiVersion(ctx: RequestContext, kind: AzureRouteKind): void {
  const version = ctx.query.get('api-version');
  if (version === null || version === '') {
    if (kind === 'v1') return;
    throw errors.missingRequired('api-version');
  }
  if (!(AZURE_API_VERSIONS as readonly string[]).includes(version)) {
    throw errors.unsupportedValue(
      'api-version',
      `Unsupported api-version '${version.slice(0, 64)}'. Supported versions: ${AZURE_API_VERSIONS.join(', ')}.`,
    );
  }
}

/**
 * Body defaults of an Azure create request: the deployment names the model (it wins over a
 * `model` in the body, as on Azure) and `store` defaults to true.
 */
export function applyAzureBody(ctx: RequestContext, body: unknown): void {
  if (!isAzurePath(ctx.path) || typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const record = body as Record<string, unknown>;
  const deployment = ctx.params.deployment;
  if (deployment) record.model = deployment;
  if (record.store === undefined) record.store = true;
}

/** Wraps a route handler for one Azure alias. */
export function azureRoute<C extends RequestContext>(
  handler: (ctx: C) => Promise<void> | void,
  kind: AzureRouteKind,
  region: string,
): (ctx: C) => Promise<void> | void {
  return (ctx) => {
    Object.assign(ctx.headers, azureHeaders(ctx.requestId, region));
    checkApiVersion(ctx, kind);
    return handler(ctx);
  };
}
