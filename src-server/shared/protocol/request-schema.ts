/**
 * The JSON Schema (2020-12) of a `POST /v1/responses` body. One source for two consumers: the
 * gateway validates requests with it (validate-request.ts, via ajv) and the console's Monaco
 * editor uses it for completion and inline validation, hence the `description`s.
 *
 * It accepts every field openai-node's `ResponseCreateParams`, the OpenAI Agents SDK and the Vercel
 * AI SDK send. Objects are closed (`additionalProperties: false`) so strict mode can name an
 * unknown field by path; the built-in tool items and tools the gateway never runs are recognised
 * by `type` only and left open (capabilities.ts decides whether they are honoured).
 *
 * Unions of objects are `oneOf`s by `type` with a `discriminator` (see `dispatch`): validation goes
 * straight to the matching branch, so a wrong field is reported inside it with its exact path. The builders below run once
 * at module load; the exported value is plain JSON data.
 */

type Schema = Record<string, unknown>;

const NULLABLE_STRING: Schema = { type: ['string', 'null'] };
const STATUS: Schema = {
  enum: ['in_progress', 'completed', 'incomplete', null],
  description: 'Item status, as the API returned it.',
};

function object(properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

/** A closed object with a constant `type` (required unless `typeOptional`). */
function typed(
  type: string,
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
  typeOptional = false,
): Schema {
  return object({ type: { const: type }, ...properties }, typeOptional ? required : ['type', ...required], {
    description,
  });
}

/**
 * `oneOf` by `type`, marked with the OpenAPI `discriminator` so ajv jumps straight to the one
 * branch (O(1), and a wrong field is reported inside it, with its exact path). Editors that do not
 * know `discriminator` still read a plain `oneOf` of mutually exclusive `const` types.
 * A branch is a `$defs` name or an inline schema.
 */
function dispatch(description: string, branches: Record<string, string | Schema>): Schema {
  const oneOf = Object.entries(branches).map(([type, branch]) =>
    typeof branch === 'string'
      ? { $ref: `#/$defs/${branch}` }
      : { ...branch, properties: { ...(branch.properties as Schema), type: { const: type } } },
  );
  return { type: 'object', description, required: ['type'], discriminator: { propertyName: 'type' }, oneOf };
}

/** An item or tool the gateway recognises by `type` only (capabilities.ts decides what happens to it). */
function recognised(description: string): Schema {
  return { type: 'object', properties: {}, required: ['type'], description };
}

const CACHE_BREAKPOINT: Schema = object({ mode: { const: 'explicit' } }, ['mode'], {
  description: 'Marks a prompt cache breakpoint after this part.',
});

const INPUT_TEXT = typed(
  'input_text',
  'Text input.',
  { text: { type: 'string', description: 'The text.' }, prompt_cache_breakpoint: CACHE_BREAKPOINT },
  ['text'],
);
const INPUT_IMAGE = typed('input_image', 'An image: by URL (http(s) or data URL) or by file id.', {
  image_url: { ...NULLABLE_STRING, description: 'A fully qualified URL or a base64 data URL.' },
  file_id: { ...NULLABLE_STRING, description: 'The id of an uploaded file.' },
  detail: { enum: ['low', 'high', 'auto', 'original'], description: 'Image detail level. Defaults to auto.' },
  prompt_cache_breakpoint: CACHE_BREAKPOINT,
});
const INPUT_FILE = typed('input_file', 'A file: inline data, URL or file id.', {
  file_data: { type: 'string', description: 'The file content, base64.' },
  file_id: { ...NULLABLE_STRING, description: 'The id of an uploaded file.' },
  file_url: { type: 'string', description: 'The URL of the file.' },
  filename: { type: 'string', description: 'The file name.' },
  detail: { enum: ['auto', 'low', 'high'] },
  prompt_cache_breakpoint: CACHE_BREAKPOINT,
});
const OUTPUT_TEXT = typed(
  'output_text',
  'Text the model produced (assistant messages sent back as input).',
  {
    text: { type: 'string' },
    annotations: {
      type: 'array',
      items: { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] },
      description: 'Citations and file paths.',
    },
    logprobs: { type: 'array', items: { type: 'object' } },
  },
  ['text'],
);
const REFUSAL = typed('refusal', 'A refusal the model produced.', { refusal: { type: 'string' } }, ['refusal']);

const CALLER: Schema = {
  type: ['object', 'null'],
  properties: { type: { enum: ['direct', 'program'] }, caller_id: { type: 'string' } },
  required: ['type'],
  additionalProperties: false,
  description: 'Who made the call.',
};

const MESSAGE = object(
  {
    type: { const: 'message', description: 'Optional for messages.' },
    id: { type: 'string', description: 'Item id (assistant messages sent back).' },
    role: { enum: ['user', 'assistant', 'system', 'developer'], description: 'Who wrote the message.' },
    content: {
      type: ['string', 'array'],
      description: 'Text, or a list of content parts.',
      items: { $ref: '#/$defs/ContentPart' },
    },
    status: STATUS,
    phase: { enum: ['commentary', 'final_answer', null], description: 'Assistant message phase.' },
  },
  ['role', 'content'],
  { description: 'A message from the user, the developer/system, or an earlier assistant turn.' },
);

const TOOL_OUTPUT: Schema = {
  type: ['string', 'array'],
  description: 'The output: a string, or text / image / file parts.',
  items: { $ref: '#/$defs/ToolOutputPart' },
};

const FUNCTION_CALL = typed(
  'function_call',
  'A function call the model made in an earlier turn.',
  {
    id: { type: 'string', description: 'Item id.' },
    call_id: { type: 'string', description: 'Id that the matching function_call_output refers to.' },
    name: { type: 'string', description: 'Function name.' },
    namespace: { type: 'string', description: 'The namespace tool the function belongs to.' },
    arguments: { type: 'string', description: 'The arguments, a JSON string.' },
    status: STATUS,
    caller: CALLER,
    async: { type: 'boolean' },
  },
  ['call_id', 'name', 'arguments'],
);

const FUNCTION_CALL_OUTPUT = typed(
  'function_call_output',
  'The result of a function call.',
  {
    id: NULLABLE_STRING,
    call_id: { type: 'string', description: 'The call_id of the function_call this answers.' },
    output: TOOL_OUTPUT,
    status: STATUS,
    caller: CALLER,
    name: NULLABLE_STRING,
    namespace: NULLABLE_STRING,
  },
  ['call_id', 'output'],
);

const REASONING = typed(
  'reasoning',
  'Reasoning from an earlier turn (summary, text and/or encrypted content).',
  {
    id: { type: 'string', description: 'Item id.' },
    summary: { type: 'array', items: typed('summary_text', 'A summary part.', { text: { type: 'string' } }, ['text']) },
    content: {
      type: ['array', 'null'],
      items: typed('reasoning_text', 'Reasoning text.', { text: { type: 'string' } }, ['text']),
    },
    encrypted_content: {
      ...NULLABLE_STRING,
      description: 'Sealed reasoning, as returned with include: ["reasoning.encrypted_content"].',
    },
    status: STATUS,
  },
  ['summary'],
);

const CUSTOM_TOOL_CALL = typed(
  'custom_tool_call',
  'A call of a custom (free-form) tool the model made in an earlier turn.',
  {
    id: { type: 'string', description: 'Item id.' },
    call_id: { type: 'string', description: 'Id that the matching custom_tool_call_output refers to.' },
    name: { type: 'string', description: 'Custom tool name.' },
    namespace: { type: 'string', description: 'The namespace tool the custom tool belongs to.' },
    input: { type: 'string', description: 'The free-form input the model produced.' },
    status: STATUS,
    caller: CALLER,
    async: { type: 'boolean' },
  },
  ['call_id', 'name', 'input'],
);

const CUSTOM_TOOL_CALL_OUTPUT = typed(
  'custom_tool_call_output',
  'The result of a custom tool call.',
  { id: NULLABLE_STRING, call_id: { type: 'string' }, output: TOOL_OUTPUT, status: STATUS, caller: CALLER },
  ['call_id', 'output'],
);

const LOCAL_SHELL_CALL = typed(
  'local_shell_call',
  'A local shell command the model asked for in an earlier turn.',
  {
    id: { type: 'string', description: 'Item id.' },
    call_id: { type: 'string' },
    status: STATUS,
    action: typed(
      'exec',
      'The command to run.',
      {
        command: { type: 'array', items: { type: 'string' }, description: 'The command and its arguments.' },
        env: { type: 'object', additionalProperties: { type: 'string' } },
        timeout_ms: { type: ['integer', 'null'], minimum: 0 },
        user: NULLABLE_STRING,
        working_directory: NULLABLE_STRING,
      },
      ['command'],
    ),
  },
  ['call_id', 'action'],
);

const LOCAL_SHELL_CALL_OUTPUT = typed(
  'local_shell_call_output',
  'The output of a local shell call; `id` is the id (or call_id) of the call it answers.',
  { id: { type: 'string' }, call_id: { type: 'string' }, output: { type: 'string' }, status: STATUS },
  ['id', 'output'],
);

const SHELL_ENVIRONMENT: Schema = {
  type: ['object', 'null'],
  description: "Where the commands run: 'local' (the client) or an OpenAI container.",
  properties: { type: { enum: ['local', 'container_auto', 'container_reference'] } },
  required: ['type'],
};

const SHELL_CALL = typed(
  'shell_call',
  'Shell commands the model asked for in an earlier turn.',
  {
    id: NULLABLE_STRING,
    call_id: { type: 'string' },
    status: STATUS,
    caller: CALLER,
    created_by: { type: 'string' },
    environment: SHELL_ENVIRONMENT,
    action: object(
      {
        commands: { type: 'array', items: { type: 'string' }, description: 'Commands to run, in order.' },
        timeout_ms: { type: ['integer', 'null'], minimum: 0 },
        max_output_length: { type: ['integer', 'null'], minimum: 0 },
      },
      ['commands'],
    ),
  },
  ['call_id', 'action'],
);

const SHELL_OUTCOME = dispatch('How the command ended.', {
  exit: typed('exit', 'The command exited.', { exit_code: { type: 'integer' } }, ['exit_code']),
  timeout: typed('timeout', 'The command timed out.', {}),
});

const SHELL_CALL_OUTPUT = typed(
  'shell_call_output',
  'The output of each command of a shell call.',
  {
    id: NULLABLE_STRING,
    call_id: { type: 'string' },
    status: STATUS,
    caller: CALLER,
    created_by: { type: 'string' },
    max_output_length: { type: ['integer', 'null'], minimum: 0 },
    output: {
      type: 'array',
      items: object(
        {
          stdout: { type: 'string' },
          stderr: { type: 'string' },
          outcome: SHELL_OUTCOME,
          created_by: { type: 'string' },
        },
        ['stdout', 'stderr', 'outcome'],
      ),
    },
  },
  ['call_id', 'output'],
);

const PATCH_OPERATION = dispatch('A file operation.', {
  create_file: typed('create_file', 'Create a file.', { path: { type: 'string' }, diff: { type: 'string' } }, [
    'path',
    'diff',
  ]),
  update_file: typed(
    'update_file',
    'Update a file with a diff.',
    { path: { type: 'string' }, diff: { type: 'string' }, move_to: NULLABLE_STRING },
    ['path', 'diff'],
  ),
  delete_file: typed('delete_file', 'Delete a file.', { path: { type: 'string' } }, ['path']),
});

const APPLY_PATCH_CALL = typed(
  'apply_patch_call',
  'A file operation the model asked for in an earlier turn.',
  {
    id: NULLABLE_STRING,
    call_id: { type: 'string' },
    status: { enum: ['in_progress', 'completed', null] },
    caller: CALLER,
    created_by: { type: 'string' },
    operation: PATCH_OPERATION,
  },
  ['call_id', 'operation'],
);

const APPLY_PATCH_CALL_OUTPUT = typed(
  'apply_patch_call_output',
  'Whether an apply_patch call succeeded.',
  {
    id: NULLABLE_STRING,
    call_id: { type: 'string' },
    status: { enum: ['completed', 'failed'] },
    output: NULLABLE_STRING,
    caller: CALLER,
    created_by: { type: 'string' },
  },
  ['call_id', 'status'],
);

const ITEM_REFERENCE = object(
  { type: { const: 'item_reference' }, id: { type: 'string', description: 'The id of a stored item.' } },
  ['id'],
  { description: 'A reference to an item of a stored response.' },
);

/** Item types recognised but not modelled field by field (built-in tools the gateway does not run). */
const RECOGNISED_ITEMS: Record<string, string> = {
  file_search_call: 'A file search call.',
  computer_call: 'A computer use call.',
  computer_call_output: 'A computer use call output.',
  web_search_call: 'A web search call.',
  tool_search_call: 'A tool search call.',
  tool_search_output: 'A tool search output.',
  additional_tools: 'Tools added during a conversation.',
  compaction: 'A compaction item.',
  compaction_trigger: 'A compaction trigger.',
  image_generation_call: 'An image generation call.',
  code_interpreter_call: 'A code interpreter call.',
  mcp_list_tools: 'An MCP tool listing.',
  mcp_approval_request: 'An MCP approval request.',
  mcp_approval_response: 'An MCP approval response.',
  mcp_call: 'An MCP call.',
  program: 'A program.',
  program_output: 'A program output.',
};

const TOOL_NAME: Schema = {
  type: 'string',
  pattern: '^[a-zA-Z0-9_-]{1,128}$',
  description: 'Tool name (letters, digits, _ and -).',
};
const ALLOWED_CALLERS: Schema = { type: ['array', 'null'], items: { enum: ['direct', 'programmatic'] } };

const FUNCTION_TOOL = typed(
  'function',
  'A function the model may call; the client runs it.',
  {
    name: TOOL_NAME,
    description: {
      ...NULLABLE_STRING,
      description: 'What the function does; the model uses it to decide when to call it.',
    },
    parameters: { type: ['object', 'null'], description: 'JSON Schema of the arguments.' },
    strict: { type: ['boolean', 'null'], description: 'Enforce the parameter schema exactly.' },
    defer_loading: { type: 'boolean' },
    allowed_callers: ALLOWED_CALLERS,
    output_schema: { type: ['object', 'null'] },
    async: { type: 'boolean' },
  },
  ['name'],
);

const CUSTOM_TOOL_FORMAT = dispatch('The input format: free text, or text matching a grammar.', {
  text: typed('text', 'Unconstrained text.', {}),
  grammar: typed(
    'grammar',
    'Text matching a grammar (described to the model; the backend does not enforce it).',
    {
      syntax: { enum: ['lark', 'regex'], description: 'The grammar language.' },
      definition: { type: 'string', minLength: 1, description: 'The grammar.' },
    },
    ['syntax', 'definition'],
  ),
});

const CUSTOM_TOOL = typed(
  'custom',
  'A tool that takes free-form text input instead of JSON arguments; the client runs it.',
  {
    name: TOOL_NAME,
    description: { ...NULLABLE_STRING, description: 'What the tool does.' },
    format: CUSTOM_TOOL_FORMAT,
    defer_loading: { type: 'boolean' },
    allowed_callers: ALLOWED_CALLERS,
    async: { type: 'boolean' },
  },
  ['name'],
);

const NAMESPACE_TOOL = typed(
  'namespace',
  'A group of functions and custom tools under one name (MCP servers, agent tool sets).',
  {
    name: TOOL_NAME,
    description: { type: 'string', description: 'What the tools of the namespace are for.' },
    tools: {
      type: 'array',
      minItems: 1,
      description: 'The functions and custom tools of the namespace.',
      items: dispatch('A tool of the namespace.', { function: 'FunctionTool', custom: 'CustomTool' }),
    },
  },
  ['name', 'tools'],
);

/** Tool types recognised but not modelled field by field. */
const RECOGNISED_TOOLS: Record<string, string> = {
  file_search: 'Search uploaded files.',
  web_search: 'Search the web.',
  web_search_2025_08_26: 'Search the web.',
  web_search_preview: 'Search the web (preview).',
  web_search_preview_2025_03_11: 'Search the web (preview).',
  computer: 'Computer use.',
  computer_use_preview: 'Computer use (preview).',
  mcp: 'Tools of a remote MCP server.',
  code_interpreter: 'Run code in a sandbox.',
  image_generation: 'Generate images.',
  tool_search: 'Search for tools.',
  programmatic_tool_calling: 'Programmatic tool calling.',
};

const TOOL_CHOICE_OBJECT = dispatch('A specific tool, or a restricted set of tools.', {
  function: 'ToolChoiceFunction',
  custom: 'ToolChoiceCustom',
  mcp: 'ToolChoiceMcp',
  allowed_tools: 'ToolChoiceAllowed',
  ...Object.fromEntries(
    [
      'file_search',
      'web_search_preview',
      'web_search_preview_2025_03_11',
      'computer',
      'computer_use',
      'computer_use_preview',
      'image_generation',
      'code_interpreter',
      'apply_patch',
      'shell',
      'programmatic_tool_calling',
    ].map((t) => [t, object({}, ['type'], { description: 'Force the use of this built-in tool.' })]),
  ),
});

const TEXT_FORMAT = dispatch(
  'Output format: plain text, any JSON object, or JSON matching a schema (structured output).',
  {
    text: 'FormatText',
    json_object: 'FormatJsonObject',
    json_schema: 'FormatJsonSchema',
  },
);

const defs: Record<string, Schema> = {
  InputText: INPUT_TEXT,
  InputImage: INPUT_IMAGE,
  InputFile: INPUT_FILE,
  OutputText: OUTPUT_TEXT,
  Refusal: REFUSAL,
  ContentPart: dispatch('A content part of a message.', {
    input_text: 'InputText',
    input_image: 'InputImage',
    input_file: 'InputFile',
    output_text: 'OutputText',
    refusal: 'Refusal',
  }),
  ToolOutputPart: dispatch('A content part of a tool output.', {
    input_text: 'InputText',
    input_image: 'InputImage',
    input_file: 'InputFile',
  }),
  Message: MESSAGE,
  FunctionCall: FUNCTION_CALL,
  FunctionCallOutput: FUNCTION_CALL_OUTPUT,
  Reasoning: REASONING,
  ItemReference: ITEM_REFERENCE,
  ItemReferenceUntyped: object({ type: { type: 'null' }, id: { type: 'string' } }, ['id'], {
    description: 'A reference to an item of a stored response.',
  }),
  InputItem: {
    type: 'object',
    description:
      'An input item: a message, a function call or its output, reasoning, an item reference, or a built-in tool item.',
    if: { required: ['type'], properties: { type: { type: 'string' } } },
    then: dispatch('An input item, by type.', {
      message: 'Message',
      function_call: 'FunctionCall',
      function_call_output: 'FunctionCallOutput',
      reasoning: 'Reasoning',
      item_reference: 'ItemReference',
      custom_tool_call: CUSTOM_TOOL_CALL,
      custom_tool_call_output: CUSTOM_TOOL_CALL_OUTPUT,
      local_shell_call: LOCAL_SHELL_CALL,
      local_shell_call_output: LOCAL_SHELL_CALL_OUTPUT,
      shell_call: SHELL_CALL,
      shell_call_output: SHELL_CALL_OUTPUT,
      apply_patch_call: APPLY_PATCH_CALL,
      apply_patch_call_output: APPLY_PATCH_CALL_OUTPUT,
      ...Object.fromEntries(Object.entries(RECOGNISED_ITEMS).map(([t, d]) => [t, recognised(d)])),
    }),
    // Without a string `type`: a bare {id} is an item reference, anything else a message.
    else: {
      if: { not: { anyOf: [{ required: ['role'] }, { required: ['content'] }] }, required: ['id'] },
      then: { $ref: '#/$defs/ItemReferenceUntyped' },
      else: { $ref: '#/$defs/Message' },
    },
  },
  FunctionTool: FUNCTION_TOOL,
  CustomTool: CUSTOM_TOOL,
  Tool: dispatch('A tool the model may use.', {
    function: 'FunctionTool',
    custom: 'CustomTool',
    namespace: NAMESPACE_TOOL,
    local_shell: typed('local_shell', 'Run commands on the client machine (the client runs them).', {}),
    shell: typed('shell', 'Run shell commands; with a local environment (or none) the client runs them.', {
      environment: SHELL_ENVIRONMENT,
      allowed_callers: ALLOWED_CALLERS,
    }),
    apply_patch: typed('apply_patch', 'Create, update and delete files with diffs (the client applies them).', {
      allowed_callers: ALLOWED_CALLERS,
    }),
    ...Object.fromEntries(Object.entries(RECOGNISED_TOOLS).map(([t, d]) => [t, recognised(d)])),
  }),
  ToolChoiceFunction: typed('function', 'Force a call to this function.', { name: { type: 'string' } }, ['name']),
  ToolChoiceCustom: typed('custom', 'Force a call to this custom tool.', { name: { type: 'string' } }, ['name']),
  ToolChoiceMcp: typed(
    'mcp',
    'Force a call to a tool of this MCP server.',
    { server_label: { type: 'string' }, name: NULLABLE_STRING },
    ['server_label'],
  ),
  ToolChoiceAllowed: typed(
    'allowed_tools',
    'Restrict the model to a subset of the tools.',
    {
      mode: { enum: ['auto', 'required'] },
      tools: { type: 'array', items: { type: 'object' } },
    },
    ['mode', 'tools'],
  ),
  FormatText: typed('text', 'Plain text.', {}),
  FormatJsonObject: typed('json_object', 'Any JSON object.', {}),
  FormatJsonSchema: typed(
    'json_schema',
    'JSON matching the given schema.',
    {
      name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$', description: 'Name of the format.' },
      schema: { type: 'object', description: 'The JSON Schema the output must match.' },
      description: { type: 'string' },
      strict: { type: ['boolean', 'null'], description: 'Enforce the schema exactly.' },
    },
    ['name', 'schema'],
  ),
};

const TOOL_CHOICE: Schema = {
  type: ['string', 'object'],
  description: "'none', 'auto', 'required', or an object naming a tool.",
  if: { type: 'string' },
  then: { enum: ['none', 'auto', 'required'] },
  else: TOOL_CHOICE_OBJECT,
};

/** The `include` values openai-node knows (capabilities.ts says which the gateway implements). */
export const INCLUDE_VALUES = [
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
  'message.input_image.image_url',
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
] as const;

export const CREATE_RESPONSE_REQUEST_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://responses-studio.local/schemas/create-response.json',
  title: 'POST /v1/responses request body',
  type: 'object',
  required: ['model'],
  additionalProperties: false,
  properties: {
    model: { type: 'string', minLength: 1, description: 'The model to use, as the backend names it.' },
    input: {
      type: ['string', 'array'],
      description:
        'A user message as a string, or a list of input items (messages, function calls and outputs, reasoning …).',
      items: { $ref: '#/$defs/InputItem' },
    },
    instructions: { ...NULLABLE_STRING, description: 'A system (developer) message inserted before the input.' },
    tools: { type: ['array', 'null'], items: { $ref: '#/$defs/Tool' }, description: 'Tools the model may call.' },
    tool_choice: TOOL_CHOICE,
    parallel_tool_calls: { type: ['boolean', 'null'], description: 'Allow several tool calls in one turn.' },
    max_tool_calls: {
      type: ['integer', 'null'],
      minimum: 1,
      description: 'Most built-in tool calls in this response.',
    },
    text: object({ format: TEXT_FORMAT, verbosity: { enum: ['low', 'medium', 'high', null] } }, [], {
      description: 'Text output options.',
    }),
    reasoning: {
      type: ['object', 'null'],
      description: 'Reasoning options for reasoning models.',
      additionalProperties: false,
      properties: {
        effort: {
          enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', null],
          description: 'How much to reason.',
        },
        summary: {
          enum: ['auto', 'concise', 'detailed', null],
          description: 'Produce a reasoning summary of this kind.',
        },
        generate_summary: { enum: ['auto', 'concise', 'detailed', null], description: 'Deprecated alias of summary.' },
        context: { enum: ['auto', 'current_turn', 'all_turns', null] },
        mode: { type: 'string' },
      },
    },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2, description: 'Sampling temperature, 0 to 2.' },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'Nucleus sampling mass, 0 to 1.' },
    max_output_tokens: {
      type: ['integer', 'null'],
      minimum: 1,
      description: 'Upper bound on generated tokens, reasoning included.',
    },
    top_logprobs: {
      type: ['integer', 'null'],
      minimum: 0,
      maximum: 20,
      description: 'Most likely tokens to return per position (with include message.output_text.logprobs).',
    },
    metadata: {
      type: ['object', 'null'],
      description: 'Up to 16 string pairs; keys up to 64 characters, values up to 512.',
      maxProperties: 16,
      propertyNames: { maxLength: 64 },
      additionalProperties: { type: 'string', maxLength: 512 },
    },
    user: { type: 'string', description: 'Deprecated: an end-user id (use safety_identifier / prompt_cache_key).' },
    safety_identifier: { ...NULLABLE_STRING, maxLength: 64, description: 'A stable id of the end user, hashed.' },
    prompt_cache_key: {
      ...NULLABLE_STRING,
      maxLength: 1024,
      description: 'Requests with the same key share prefix cache (vLLM cache_salt); others are isolated.',
    },
    prompt_cache_retention: { enum: ['in_memory', '24h', null], description: 'How long to keep cached prefixes.' },
    prompt_cache_options: object(
      {
        mode: { enum: ['implicit', 'explicit'] },
        ttl: { type: 'string' },
        prewarm: { type: ['boolean', 'null'] },
        comparison_response_id: NULLABLE_STRING,
      },
      [],
      { description: 'Prompt cache options.' },
    ),
    service_tier: {
      enum: ['auto', 'default', 'flex', 'scale', 'priority', null],
      description: 'Processing tier; mapped to vLLM priority.',
    },
    store: {
      type: ['boolean', 'null'],
      description: 'Keep the response for GET and previous_response_id. Default true.',
    },
    stream: { type: ['boolean', 'null'], description: 'Stream server-sent events.' },
    stream_options: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: { include_obfuscation: { type: 'boolean' } },
      description: 'Streaming options.',
    },
    include: {
      type: ['array', 'null'],
      items: { enum: [...INCLUDE_VALUES] },
      description: 'Extra data to include in the response.',
    },
    previous_response_id: { ...NULLABLE_STRING, description: 'Continue from this stored response.' },
    background: { type: ['boolean', 'null'], description: 'Run in the background; poll or resume the stream later.' },
    truncation: {
      enum: ['auto', 'disabled', null],
      description: 'Drop old input when the context overflows (auto) or fail (disabled).',
    },
    conversation: {
      type: ['string', 'object', 'null'],
      description: 'A conversation id (or {id}) this response belongs to.',
      properties: { id: { type: 'string' } },
      required: ['id'],
      additionalProperties: false,
    },
    prompt: {
      type: ['object', 'null'],
      description: 'A stored prompt template and its variables.',
      additionalProperties: false,
      required: ['id'],
      properties: { id: { type: 'string' }, version: NULLABLE_STRING, variables: { type: ['object', 'null'] } },
    },
    context_management: {
      type: ['array', 'null'],
      description: 'Context management strategies (compaction).',
      items: object({ type: { type: 'string' }, compact_threshold: { type: ['number', 'null'] } }, ['type']),
    },
    client_metadata: {
      type: ['object', 'null'],
      description:
        'Client-side ids (Codex sends its session, thread and turn ids): strings only; logged and recorded, never sent to the backend.',
      maxProperties: 64,
      propertyNames: { maxLength: 256 },
      additionalProperties: { type: 'string', maxLength: 16384 },
    },
    access_programs: object({ cyber: { enum: ['standard', 'daybreak_blue', 'daybreak_red'] } }, [], {
      description: 'Access programs of the caller (no effect here).',
    }),
    background_options: object(
      { completion_window: { enum: ['soonest', '2h', '8h'] }, continuation_id: { type: 'string' } },
      [],
      { description: 'Options of a background response.' },
    ),
    image: object({ context_compression: { enum: ['auto', 'enabled', 'disabled'] } }, [], {
      description: 'How input images are kept in the context.',
    }),
    moderation: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['model'],
      properties: { model: { type: 'string' }, policy: { type: ['object', 'null'] } },
      description: 'Moderation of input and output.',
    },
  },
  $defs: defs,
};
