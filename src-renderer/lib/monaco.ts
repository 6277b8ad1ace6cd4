/**
 * Monaco, bundled with the app (no CDN: the console works offline and under a strict CSP), with
 * the request's JSON Schema from src-server/shared/protocol for completion, hover and inline errors.
 */
import * as monaco from 'monaco-editor';
import { loader } from '@monaco-editor/react';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker';
import { CREATE_RESPONSE_REQUEST_SCHEMA as requestSchema } from '../../src-server/shared/protocol/request-schema.js';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

export const REQUEST_MODEL_URI = 'inmemory://studio/request.json';

let configured = false;

export function configureMonaco(): void {
  if (configured) return;
  configured = true;
  window.MonacoEnvironment = {
    getWorker(_id, label) {
      return label === 'json' ? new JsonWorker() : new EditorWorker();
    },
  };
  monaco.json.jsonDefaults.setDiagnosticsOptions({
    validate: true,
    allowComments: false,
    enableSchemaRequest: false,
    schemas: [
      {
        uri: 'inmemory://studio/schemas/create-response.json',
        fileMatch: [REQUEST_MODEL_URI],
        schema: requestSchema as object,
      },
    ],
  });
  loader.config({ monaco });
}

export function monacoTheme(theme: 'dark' | 'light'): string {
  return theme === 'dark' ? 'vs-dark' : 'vs';
}
