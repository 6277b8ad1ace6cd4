/**
 * The generated documentation pages, by path: docs/flags.md (the flag table), docs/api-reference.md
 * (D1) and docs/compatibility.md (D3). `npm run docs` writes them; tests/docs/generated.test.ts
 * fails when a committed page differs from what the code generates now.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, flagsMarkdown } from '../../src-server/config/flags.js';
import { createGateway } from '../../src-server/gateway.js';
import { createLogger } from '../../src-server/logging/logger.js';
import type { RouteInfo } from '../../src-server/http/server.js';
import { apiReferenceMarkdown } from './api-reference.js';
import { compatibilityMarkdown } from './compatibility.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SPEC_PATH = path.resolve(REPO_ROOT, '../shared/spec/openresponses-openapi.json');

/** Every route of a gateway with every optional part on (Azure routes, recordings), as the router has them. */
export async function allRoutes(): Promise<readonly RouteInfo[]> {
  const gateway = await createGateway(
    { ...defaultConfig(), host: '127.0.0.1', port: 0, logLevel: 'silent', enableAzureApi: true, record: 'on' },
    { logger: createLogger('silent') },
  );
  try {
    return [...gateway.routes];
  } finally {
    await gateway.close();
  }
}

export async function generatedDocs(): Promise<Record<string, string>> {
  const routes = await allRoutes();
  return {
    'docs/flags.md': flagsMarkdown(),
    'docs/api-reference.md': apiReferenceMarkdown(routes),
    'docs/compatibility.md': compatibilityMarkdown(routes, SPEC_PATH),
  };
}
