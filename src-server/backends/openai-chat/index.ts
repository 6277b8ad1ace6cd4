/**
 * Any OpenAI-compatible Chat Completions server: a variant of chat-completions/ with standard
 * parameters only (request.ts) and no `/tokenize`.
 */
import { createChatAdapter } from '../chat-completions/index.js';
import type { HttpAdapter, HttpAdapterOptions } from '../http/adapter.js';
import { buildOpenAIChatBody } from './request.js';

export function createOpenAIChatAdapter(options: HttpAdapterOptions): HttpAdapter {
  return createChatAdapter(options, { kind: 'openai-chat', buildBody: buildOpenAIChatBody, tokenize: false });
}

export { buildOpenAIChatBody };
