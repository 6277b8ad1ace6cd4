import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimulatorServer } from '../../src-server/backends/simulator/index.js';
import { TIER_PRIORITY } from '../../src-server/shared/protocol/service-tier.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

/** A pass-through proxy in front of the simulator that keeps every chat request body it forwards. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; bodies: Record<string, unknown>[]; server: Server }> {
  const bodies: Record<string, unknown>[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url?.includes('/chat/completions'))
        bodies.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

describe('L8 service tiers and H1 prompt_cache_key', { tags: ['L8', 'H1'] }, () => {
  let sim: SimulatorServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let h: GatewayHarness;
  beforeAll(async () => {
    sim = new SimulatorServer({ host: '127.0.0.1', port: 0 });
    proxy = await recordingProxy(await sim.listen());
    h = await startGateway({
      logLevel: 'warn',
      backend: proxy.url,
      defaultServiceTier: 'flex',
      allowedServiceTiers: 'auto,default,flex,priority',
    });
  });
  afterAll(async () => {
    await h.close();
    await new Promise((r) => proxy.server.close(r));
    await sim.close();
  });

  const create = async (body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi', ...body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  test(
    'L8 auto and no tier resolve to --responses-default-service-tier, echoed and sent as vLLM priority',
    { tags: ['L8'] },
    async () => {
      for (const body of [{ service_tier: 'auto' }, {}]) {
        const r = await create(body);
        expect(r.json.service_tier).toBe('flex');
        expect(proxy.bodies.at(-1)?.priority).toBe(TIER_PRIORITY.flex);
      }
    },
  );

  test('L8 an explicit tier is echoed and mapped; default sends no priority', { tags: ['L8'] }, async () => {
    expect((await create({ service_tier: 'priority' })).json.service_tier).toBe('priority');
    expect(proxy.bodies.at(-1)?.priority).toBe(TIER_PRIORITY.priority);
    expect((await create({ service_tier: 'default' })).json.service_tier).toBe('default');
    expect(proxy.bodies.at(-1)).not.toHaveProperty('priority');
  });

  test('L8 a tier outside --responses-allowed-service-tiers is a 400 naming the value', { tags: ['L8'] }, async () => {
    const r = await create({ service_tier: 'scale' });
    expect(r.status).toBe(400);
    const error = r.json.error as { param: string; message: string; code: string };
    expect(error.param).toBe('service_tier');
    expect(error.message).toContain("'scale'");
    const bogus = await create({ service_tier: 'turbo' });
    expect(bogus.status).toBe(400);
    expect((bogus.json.error as { param: string }).param).toBe('service_tier');
  });

  test('H1 prompt_cache_key is echoed and reaches vLLM as cache_salt', { tags: ['H1'] }, async () => {
    const r = await create({ prompt_cache_key: 'tenant-42' });
    expect(r.json.prompt_cache_key).toBe('tenant-42');
    expect(proxy.bodies.at(-1)?.cache_salt).toBe('tenant-42');
    await create({});
    expect(proxy.bodies.at(-1)).not.toHaveProperty('cache_salt');
  });

  test('H1 prompt_cache_key is validated: type and length', { tags: ['H1'] }, async () => {
    const wrongType = await create({ prompt_cache_key: 42 });
    expect(wrongType.status).toBe(400);
    expect((wrongType.json.error as { param: string }).param).toBe('prompt_cache_key');
    const tooLong = await create({ prompt_cache_key: 'k'.repeat(1025) });
    expect(tooLong.status).toBe(400);
    expect((tooLong.json.error as { param: string }).param).toBe('prompt_cache_key');
  });
});
