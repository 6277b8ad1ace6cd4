/** Request templates offered by the composer. Each is a complete, valid Responses request. */
export interface Template {
  id: string;
  label: string;
  /** Session mode keeps the stream open while tool calls wait for outputs. */
  sessionMode?: boolean;
  body: Record<string, unknown>;
}

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
  strict: true,
};

export const TEMPLATES: Template[] = [
  { id: 'plain', label: 'Plain text', body: { model: 'sim-chat', input: 'Say hello in five words.', stream: true } },
  {
    id: 'tools',
    label: 'Function tools',
    body: {
      model: 'sim-chat',
      input: 'What is the weather in Paris?',
      tools: [weatherTool],
      tool_choice: 'auto',
      stream: true,
    },
  },
  {
    id: 'reasoning',
    label: 'Reasoning with summary',
    body: {
      model: 'sim-reasoning',
      input: 'Is 97 a prime number?',
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      stream: true,
    },
  },
  {
    id: 'json',
    label: 'Non-streaming (one JSON answer)',
    // No "stream": the API's default, answered with the whole Response as one JSON body.
    body: {
      model: 'sim-reasoning',
      input: 'Is 97 a prime number?',
      reasoning: { effort: 'medium', summary: 'auto' },
    },
  },
  {
    id: 'structured',
    label: 'Structured output',
    body: {
      model: 'sim-chat',
      input: 'Invent a person.',
      text: {
        format: {
          type: 'json_schema',
          name: 'person',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'integer' } },
            required: ['name', 'age'],
            additionalProperties: false,
          },
        },
      },
      stream: true,
    },
  },
  {
    id: 'session',
    label: 'Session mode (tool outputs)',
    sessionMode: true,
    body: {
      model: 'sim-chat',
      input: 'What is the weather in Paris?',
      tools: [weatherTool],
      tool_choice: 'required',
      stream: true,
    },
  },
  {
    id: 'client-tools',
    label: 'Client tools (as Codex sends them)',
    body: {
      model: 'sim-chat',
      input: 'Add a hello.txt file.',
      tools: [
        {
          type: 'function',
          name: 'exec_command',
          description: 'Runs a shell command.',
          strict: false,
          parameters: {
            type: 'object',
            properties: { cmd: { type: 'string', description: 'Shell command to execute.' } },
            required: ['cmd'],
            additionalProperties: false,
          },
        },
        {
          type: 'custom',
          name: 'apply_patch',
          description: 'Edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
          format: {
            type: 'grammar',
            syntax: 'lark',
            definition: 'start: "*** Begin Patch" LF hunk+ "*** End Patch" LF?\nhunk: /(.+)/ LF\n%import common.LF',
          },
        },
        {
          type: 'namespace',
          name: 'mcp__echo',
          description: 'Tools of the echo MCP server.',
          tools: [
            {
              type: 'function',
              name: 'echo',
              description: 'Echo the text back.',
              parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
            },
          ],
        },
        { type: 'web_search', external_web_access: false },
      ],
      parallel_tool_calls: true,
      stream: true,
    },
  },
];

export function templateText(id: string): string {
  const t = TEMPLATES.find((x) => x.id === id) ?? TEMPLATES[0];
  return JSON.stringify(t.body, null, 2);
}
