/** Any OpenAI-compatible Chat Completions server (standard parameters, no /tokenize). */
import { ChatCompletionsAdapter, type ChatAdapterOptions } from '../http/adapter.js';
import { buildOpenAIChatBody } from './request.js';

export function createOpenAIChatAdapter(options: ChatAdapterOptions): ChatCompletionsAdapter {
  return new ChatCompletionsAdapter(options, { kind: 'openai-chat', buildBody: buildOpenAIChatBody, tokenize: false });
}

export { buildOpenAIChatBody };
