import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chatMessages } from '../../src-server/backends/chat-completions/request.js';
import { ReasoningKeyring } from '../../src-server/crypto/reasoning-seal.js';
import { prepareConversation } from '../../src-server/engine/conversation.js';
import { toModelRequest } from '../../src-server/engine/translate-request.js';
import type { CreateResponseRequest } from '../../src-server/shared/protocol/types.js';
import { openStore } from '../../src-server/store/index.js';
import { sqliteGatewayStore } from '../../src-server/store/sqlite-storage.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { SseReader } from './sse-reader.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGateway({ logLevel: 'warn', reasoningEncryptionKeys: ['11'.repeat(32)] });
});
afterAll(async () => {
  await h.close();
});

type Item = { type: string; id?: string; encrypted_content?: string; content?: { text: string }[] };

async function reasoningItem(stream = false): Promise<{ item: Item; response: { id: string; output: Item[] } }> {
  const body = {
    model: 'sim-reasoning',
    input: 'Think about seals',
    include: ['reasoning.encrypted_content'],
    store: false,
  };
  if (!stream) {
    const response = (await (await postJson(`${h.url}/v1/responses`, body)).json()) as { id: string; output: Item[] };
    return { item: response.output.find((i) => i.type === 'reasoning') as Item, response };
  }
  const reader = new SseReader(await postJson(`${h.url}/v1/responses`, { ...body, stream: true }));
  await reader.finished;
  const done = reader.events.find(
    (e) => e.type === 'response.output_item.done' && (e.item as Item).type === 'reasoning',
  );
  const response = reader.events.at(-1)?.response as { id: string; output: Item[] };
  // The stream event and the final object carry the same token.
  expect((response.output.find((i) => i.type === 'reasoning') as Item).encrypted_content).toBe(
    (done?.item as Item).encrypted_content,
  );
  return { item: done?.item as Item, response };
}

describe('H4 encrypted reasoning', { tags: ['H4'] }, () => {
  test.each([false, true])('include returns sealed reasoning (stream: %s)', async (stream) => {
    const { item } = await reasoningItem(stream);
    expect(item.encrypted_content).toMatch(/^rsv1\.[0-9a-f]{8}\./);
  });

  test('sealed reasoning sent back statelessly is restored for the backend', async () => {
    const { item } = await reasoningItem();
    const input = [
      { role: 'user', content: 'Think about seals' },
      { type: 'reasoning', id: item.id, summary: [], encrypted_content: item.encrypted_content },
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: 'And now?' },
    ];
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', store: false, input });
    expect(res.status).toBe(200);
    // What the backend receives: the assistant turn carries the reasoning text again.
    const store = openStore({ inMemory: true });
    try {
      const keyring = new ReasoningKeyring([Buffer.from('11'.repeat(32), 'hex')]);
      const prepared = await prepareConversation(
        { model: 'sim-chat', input } as CreateResponseRequest,
        sqliteGatewayStore(store),
        keyring,
      );
      const assistant = chatMessages(toModelRequest(prepared.request)).find((m) => m.role === 'assistant');
      expect(assistant).toMatchObject({ role: 'assistant', content: 'Done.' });
      expect((assistant as { reasoning?: string }).reasoning).toBe(item.content?.map((c) => c.text).join(''));
    } finally {
      store.close();
    }
  });

  test('a tampered token is a 400 invalid_encrypted_content naming the item', async () => {
    const { item } = await reasoningItem();
    const token = item.encrypted_content as string;
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const res = await postJson(`${h.url}/v1/responses`, {
      model: 'sim-chat',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: tampered },
      ],
    });
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect({ status: res.status, type: body.error.type, code: body.error.code, param: body.error.param }).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_encrypted_content',
      param: 'input[1].encrypted_content',
    });
  });

  test('the console inspector reports integrity, key id and (on request) the payload', async () => {
    const { item } = await reasoningItem();
    const inspect = async (body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await postJson(`${h.url}/v1/console/encrypted-content/inspect`, body);
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const ok = await inspect({ encrypted_content: item.encrypted_content, reveal: true });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      integrity: 'valid',
      version: 'rsv1',
      key_id: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    expect((ok.json.payload as { content: unknown[] }).content.length).toBeGreaterThan(0);
    const bad = await inspect({ encrypted_content: 'rsv1.deadbeef.AAAA' });
    expect(bad.json.integrity).not.toBe('valid');
    expect(bad.json.payload).toBeUndefined();
    const missing = await inspect({});
    expect({ status: missing.status, ...(missing.json.error as object) }).toMatchObject({
      status: 400,
      code: 'missing_required_parameter',
      param: 'encrypted_content',
    });
  });

  test('GET with include[]=reasoning.encrypted_content seals stored reasoning', async () => {
    const created = (await (
      await postJson(`${h.url}/v1/responses`, { model: 'sim-reasoning', input: 'Think' })
    ).json()) as { id: string; output: Item[] };
    expect(created.output.find((i) => i.type === 'reasoning')?.encrypted_content).toBeUndefined();
    const fetched = (await (
      await fetch(`${h.url}/v1/responses/${created.id}?include[]=reasoning.encrypted_content`)
    ).json()) as { output: Item[] };
    expect(fetched.output.find((i) => i.type === 'reasoning')?.encrypted_content).toMatch(/^rsv1\./);
  });
});
