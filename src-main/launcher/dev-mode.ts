/** `npm run dev`: Vite's dev server (hot reload) for the console, proxying the API to a gateway. */
import { createGateway } from '../../src-server/gateway.js';
import { consoleGatewayConfig } from './console-config.js';
import { RENDERER_CONFIG } from './build-console.js';

export async function startDevMode(
  argv: string[],
): Promise<{ url: string; gatewayUrl: string; close(): Promise<void> }> {
  const { config } = consoleGatewayConfig(argv);
  const gateway = await createGateway({ ...config, port: 0 });
  const { createServer } = await import('vite');
  const target = gateway.url;
  const proxy = Object.fromEntries(['/v1', '/healthz', '/metrics'].map((p) => [p, { target, changeOrigin: false }]));
  const server = await createServer({
    configFile: RENDERER_CONFIG,
    server: { port: config.port === 8080 ? 5173 : config.port, host: '127.0.0.1', proxy },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.config.server.port}/`;
  return {
    url,
    gatewayUrl: gateway.url,
    async close() {
      await server.close();
      await gateway.close();
    },
  };
}
