/**
 * A Conversations API conversation made through the gateway's HTTP API, for the console's
 * conversation view (the e2e spec and the documentation screenshot share it): three earlier turns
 * added directly, then one response created in the conversation.
 */
import type { Page } from 'playwright-core';
import { typeRequest, waitForRunStatus } from './harness.js';
const TOPICS = ['the coast road from Lisbon', 'a day in Sintra', 'the trains to Porto'];

/** About 60 words: three turns of these overflow a context window of a few hundred tokens. */
const paragraph = (topic: string): string =>
  `Tell me about ${topic}. ` +
  Array.from({ length: 6 }, (_, i) => `Point ${i + 1} should cover timing, costs and what to book ahead.`).join(' ');

export async function seedConversation(gatewayUrl: string): Promise<string> {
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const items = TOPICS.flatMap((topic) => [
    { role: 'user', content: paragraph(topic) },
    { role: 'assistant', content: `Here is what to know about ${topic}: go early, book ahead, and keep a day spare.` },
  ]);
  const conv = await post('/v1/conversations', { metadata: { topic: 'Portugal trip' }, items });
  const id = String(conv.id);
  await post('/v1/responses', { model: 'sim-chat', input: 'Which of these first?', conversation: id });
  return id;
}

/** Sends a streamed run in the conversation with `truncation: "auto"` from the composer and waits for its end. */
export async function sendTruncatedRun(page: Page, conversation: string): Promise<void> {
  await typeRequest(
    page,
    JSON.stringify({ model: 'sim-chat', input: 'Plan day three.', conversation, truncation: 'auto', stream: true }),
  );
  await page.getByTestId('send').click();
  await waitForRunStatus(page, 'completed');
}
