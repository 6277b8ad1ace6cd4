import { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AZURE_API_VERSIONS } from '../../src-server/http/azure.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('M1 Azure endpoint formats', { tags: ['M1'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', enableAzureApi: true, azureRegion: 'westeurope', apiKeys: ['az-key'] });
  });
  afterAll(() => h.close());

  test('the AzureOpenAI client round trip (api-key header, api-version query)', async () => {
    const client = new AzureOpenAI({
      endpoint: h.url,
      apiKey: 'az-key',
      apiVersion: '2025-04-01-preview',
      maxRetries: 0,
    });
    const response = await client.responses.create({ model: 'sim-chat', input: 'Say hello' });
    expect(response.status).toBe('completed');
    expect(response.output_text.length).toBeGreaterThan(0);
    expect((response as unknown as { store: boolean }).store).toBe(true);
  });

  test('GET / DELETE / input_items routes are served on the Azure paths too', async () => {
    const client = new AzureOpenAI({
      endpoint: h.url,
      apiKey: 'az-key',
      apiVersion: '2025-04-01-preview',
      maxRetries: 0,
    });
    const created = await client.responses.create({ model: 'sim-chat', input: 'Say hello' });
    const fetched = await client.responses.retrieve(created.id);
    expect(fetched.id).toBe(created.id);
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data.length).toBeGreaterThan(0);
    await client.responses.delete(created.id);
    const gone = await fetch(`${h.url}/openai/v1/responses/${created.id}`, { headers: { 'api-key': 'az-key' } });
    expect(gone.status).toBe(404);
  });

  test('/openai/deployments/{deployment}/responses: the deployment names the model', async () => {
    const res = await postJson(
      `${h.url}/openai/deployments/sim-reasoning/responses?api-version=2025-03-01-preview`,
      { model: 'ignored-by-azure', input: 'hi' },
      { authorization: 'Bearer az-key' },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; store: boolean };
    expect(body.model).toBe('sim-reasoning');
    expect(body.store).toBe(true);
  });

  test('/openai/v1/responses needs no api-version; Azure headers are set', async () => {
    const res = await postJson(
      `${h.url}/openai/v1/responses`,
      { model: 'sim-chat', input: 'hi' },
      { 'api-key': 'az-key', 'x-request-id': 'req-azure-1' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ms-request-id')).toBe('req-azure-1');
    expect(res.headers.get('apim-request-id')).toBe('req-azure-1');
    expect(res.headers.get('x-ms-region')).toBe('westeurope');
    expect(res.headers.get('api-supported-versions')).toBe(AZURE_API_VERSIONS.join(', '));
  });

  test('an unsupported api-version is a 400 listing the supported ones', async () => {
    const res = await postJson(
      `${h.url}/openai/responses?api-version=1999-01-01`,
      { model: 'sim-chat', input: 'hi' },
      { 'api-key': 'az-key' },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('api-version');
    for (const v of AZURE_API_VERSIONS) expect(body.error.message).toContain(v);
    const missing = await postJson(
      `${h.url}/openai/responses`,
      { model: 'sim-chat', input: 'hi' },
      { 'api-key': 'az-key' },
    );
    expect(missing.status).toBe(400);
  });

  test('a wrong api-key is a 401; the api-key header is not accepted on /v1 routes', async () => {
    expect(
      (await postJson(`${h.url}/openai/v1/responses`, { model: 'sim-chat', input: 'hi' }, { 'api-key': 'nope' }))
        .status,
    ).toBe(401);
    expect(
      (await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' }, { 'api-key': 'az-key' })).status,
    ).toBe(401);
  });

  test('without --enable-azure-api the Azure paths do not exist', async () => {
    const plain = await startGateway({ logLevel: 'warn' });
    try {
      expect((await postJson(`${plain.url}/openai/v1/responses`, { model: 'sim-chat', input: 'hi' })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
