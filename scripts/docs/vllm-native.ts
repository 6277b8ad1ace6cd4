/**
 * What vLLM's own `/v1/responses` (vllm/entrypoints/openai: `ResponsesRequest` and
 * `OpenAIServingResponses`, 0.11–0.12 era) does with each part of a request — the "vLLM native"
 * column of docs/compatibility.md. Hand-kept from vLLM's source: the only column that is not read
 * from this repository. Absent key: vLLM's request model does not have the field (pydantic
 * ignores unknown fields, so the request is not rejected: the field is silently dropped).
 */
export const VLLM_NATIVE: {
  parameters: Record<string, string>;
  tools: Record<string, string>;
  inputItems: Record<string, string>;
  include: Record<string, string>;
  endpoints: Record<string, string>;
} = {
  parameters: {
    model: 'yes',
    input: 'yes',
    instructions: 'yes',
    tools: 'yes (function; built-in tools only for gpt-oss with --tool-server)',
    tool_choice: "needs --enable-auto-tool-choice and --tool-call-parser for 'auto'",
    parallel_tool_calls: 'accepted, ignored',
    max_tool_calls: 'accepted',
    text: 'json_schema only (json_object is an error)',
    reasoning: 'needs --reasoning-parser',
    temperature: 'yes',
    top_p: 'yes',
    max_output_tokens: 'yes',
    top_logprobs: 'yes (not with gpt-oss)',
    metadata: 'echoed',
    user: 'echoed',
    prompt_cache_key: 'no (use the vLLM-only cache_salt)',
    service_tier: 'echoed, no effect (use the vLLM-only priority)',
    store: 'silently off unless VLLM_ENABLE_RESPONSES_API_STORE=1 (in memory, never evicted)',
    stream: 'yes',
    include: 'partial',
    previous_response_id: 'needs the store',
    background: 'needs the store',
    truncation: 'echoed',
    prompt: 'rejected',
  },
  tools: {
    function: 'yes (needs a tool-call parser)',
    web_search: 'gpt-oss with --tool-server only',
    web_search_preview: 'gpt-oss with --tool-server only',
    code_interpreter: 'gpt-oss with --tool-server only',
    mcp: 'gpt-oss with --tool-server only',
  },
  inputItems: {
    message: 'yes',
    function_call: 'yes',
    function_call_output: 'yes',
    reasoning: 'yes',
  },
  include: {
    'reasoning.encrypted_content': 'accepted, nothing sealed',
    'message.output_text.logprobs': 'yes',
    'message.input_image.image_url': 'accepted',
    'file_search_call.results': 'accepted',
    'computer_call_output.output.image_url': 'accepted',
    'code_interpreter_call.outputs': 'accepted',
  },
  endpoints: {
    'POST /v1/responses': 'yes',
    'GET /v1/responses/:id': 'needs the store; ?stream=true&starting_after=N for background runs',
    'POST /v1/responses/:id/cancel': 'needs the store',
    'GET /v1/models': 'yes',
  },
};

/** Events vLLM's native endpoint sends (its streaming event union), canonical `openai` names. */
export const VLLM_NATIVE_EVENTS: ReadonlySet<string> = new Set([
  'response.created',
  'response.in_progress',
  'response.completed',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.reasoning_text.delta',
  'response.reasoning_text.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.code_interpreter_call.in_progress',
  'response.code_interpreter_call_code.delta',
  'response.code_interpreter_call_code.done',
  'response.code_interpreter_call.interpreting',
  'response.code_interpreter_call.completed',
  'response.web_search_call.in_progress',
  'response.web_search_call.searching',
  'response.web_search_call.completed',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_call.in_progress',
  'response.mcp_call.completed',
]);
