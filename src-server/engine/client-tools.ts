/**
 * Client-executed tools (docs/translation.md "Tools"): every tool a client runs itself is offered
 * to the backend as a plain function, and the backend's calls come back as the
 * item type the client offered.
 *
 * | request tool            | offered to the backend as                          | call returned as       |
 * | ----------------------- | -------------------------------------------------- | ---------------------- |
 * | function                | the function                                       | function_call          |
 * | namespace {name, tools} | each inner tool as `<namespace>__<name>`           | function_call / custom_tool_call with `namespace` and the plain `name` |
 * | custom                  | a function with one string argument `input`        | custom_tool_call       |
 * | local_shell             | `local_shell {command[], env, timeout_ms, …}`      | local_shell_call       |
 * | shell (local)           | `shell {commands[], timeout_ms, max_output_length}`| shell_call             |
 * | apply_patch             | `apply_patch {type, path, diff}`                   | apply_patch_call       |
 *
 * Names are made unique in request order (a second `shell` becomes `shell_2`), so a client's own
 * function never collides with a built-in one. The catalog is built once per request and shared by
 * the request translation (history items → tool calls) and the ResponseBuilder (calls → items).
 */
import type { ModelTool } from '../backends/contract.js';
import { errors } from '../shared/protocol/errors.js';

export type ClientToolKind = 'function' | 'custom' | 'local_shell' | 'shell' | 'apply_patch';

export interface OfferedTool {
  kind: ClientToolKind;
  /** The name the backend model sees and calls. */
  modelName: string;
  /** The name the client knows (the plain name inside a namespace). */
  name: string;
  namespace?: string;
  /** For `shell`: the environment the client declared (echoed on shell_call). */
  environment?: { type: string } | null;
  tool: ModelTool;
}

/** The separator between a namespace and a tool name in the name the backend sees. */
export const NAMESPACE_SEPARATOR = '__';

interface LooseTool {
  type?: string;
  name?: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
  format?: { type?: string; syntax?: string; definition?: string };
  tools?: LooseTool[];
  environment?: { type: string } | null;
}

const STRING_ARRAY = { type: 'array', items: { type: 'string' }, minItems: 1 };

const LOCAL_SHELL_PARAMETERS = {
  type: 'object',
  properties: {
    command: { ...STRING_ARRAY, description: 'The program and its arguments, e.g. ["ls", "-la"].' },
    env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra environment variables.' },
    timeout_ms: { type: 'integer', minimum: 1, description: 'Time limit in milliseconds.' },
    working_directory: { type: 'string', description: 'Directory to run the command in.' },
  },
  required: ['command'],
  additionalProperties: false,
};

const SHELL_PARAMETERS = {
  type: 'object',
  properties: {
    commands: { ...STRING_ARRAY, description: 'Shell command lines to run, in order.' },
    timeout_ms: { type: 'integer', minimum: 1, description: 'Time limit in milliseconds.' },
    max_output_length: { type: 'integer', minimum: 1, description: 'Most characters of output to return.' },
  },
  required: ['commands'],
  additionalProperties: false,
};

const APPLY_PATCH_PARAMETERS = {
  type: 'object',
  properties: {
    type: { enum: ['create_file', 'update_file', 'delete_file'], description: 'The file operation.' },
    path: { type: 'string', description: 'The file, relative to the workspace.' },
    diff: { type: 'string', description: 'For create_file and update_file: the V4A diff of the change.' },
  },
  required: ['type', 'path'],
  additionalProperties: false,
};

const BUILT_IN: Record<
  'local_shell' | 'shell' | 'apply_patch',
  { description: string; parameters: Record<string, unknown> }
> = {
  local_shell: {
    description: "Run a command on the user's machine and get its output.",
    parameters: LOCAL_SHELL_PARAMETERS,
  },
  shell: {
    description: 'Run shell commands and get their stdout, stderr and exit codes.',
    parameters: SHELL_PARAMETERS,
  },
  apply_patch: {
    description: 'Create, update or delete a file. `diff` is a V4A diff: lines starting with +, - or a space.',
    parameters: APPLY_PATCH_PARAMETERS,
  },
};

/** The function a custom tool becomes: one string argument, the grammar (if any) in the description. */
function customFunction(tool: LooseTool, modelName: string): ModelTool {
  let description = tool.description ?? '';
  const format = tool.format;
  if (format?.type === 'grammar' && format.definition) {
    const note = `The \`input\` must match this ${format.syntax ?? 'lark'} grammar:\n${format.definition}`;
    description = description ? `${description}\n\n${note}` : note;
  }
  const out: ModelTool = {
    name: modelName,
    parameters: {
      type: 'object',
      properties: { input: { type: 'string', description: 'The free-form input of the tool.' } },
      required: ['input'],
      additionalProperties: false,
    },
  };
  if (description) out.description = description;
  return out;
}

function functionTool(tool: LooseTool, modelName: string): ModelTool {
  const out: ModelTool = { name: modelName };
  if (tool.description) out.description = tool.description;
  if (tool.parameters) out.parameters = tool.parameters;
  if (typeof tool.strict === 'boolean') out.strict = tool.strict;
  return out;
}

export class ToolCatalog {
  readonly offered: OfferedTool[] = [];
  private readonly byModelName = new Map<string, OfferedTool>();

  /** `tools` as validated (hosted tools already taken out, see shared/protocol/hosted-tools.ts). */
  constructor(tools: readonly unknown[] | null | undefined) {
    (tools ?? []).forEach((raw, i) => {
      const tool = raw as LooseTool;
      switch (tool.type) {
        case 'function':
          this.add('function', String(tool.name), undefined, (n) => functionTool(tool, n));
          break;
        case 'custom':
          this.add('custom', String(tool.name), undefined, (n) => customFunction(tool, n));
          break;
        case 'namespace':
          for (const inner of tool.tools ?? []) {
            const kind = inner.type === 'custom' ? 'custom' : 'function';
            this.add(kind, String(inner.name), String(tool.name), (n) =>
              kind === 'custom' ? customFunction(inner, n) : functionTool(inner, n),
            );
          }
          break;
        case 'local_shell':
        case 'shell':
        case 'apply_patch': {
          const spec = BUILT_IN[tool.type];
          const offered = this.add(tool.type, tool.type, undefined, (n) => ({
            name: n,
            description: spec.description,
            parameters: spec.parameters,
          }));
          if (tool.type === 'shell') offered.environment = tool.environment ?? null;
          break;
        }
        default:
          // Hosted tools are taken out before this (shared/protocol/hosted-tools.ts); none may
          // reach the backend.
          throw errors.unsupportedValue(
            `tools[${i}].type`,
            `Tools of type '${String(tool.type)}' are not run by this gateway (see --responses-hosted-tools).`,
          );
      }
    });
  }

  get size(): number {
    return this.offered.length;
  }

  /** The functions offered to the backend, in request order. */
  modelTools(): ModelTool[] {
    return this.offered.map((o) => o.tool);
  }

  /** The offered tool the backend called by this name (undefined: a name the request never offered). */
  resolve(modelName: string): OfferedTool | undefined {
    return this.byModelName.get(modelName);
  }

  /** The backend name of a client tool (history replay); a tool no longer offered keeps a derived name. */
  modelNameOf(kind: ClientToolKind, name: string, namespace?: string | null): string {
    for (const o of this.offered) {
      if (o.name !== name || (o.namespace ?? null) !== (namespace ?? null)) continue;
      if (o.kind === kind || (kind !== 'custom' && o.kind === 'function')) return o.modelName;
    }
    return namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name;
  }

  /** The backend name of the built-in tool of this kind (`shell`, unless renamed). */
  builtInName(kind: 'local_shell' | 'shell' | 'apply_patch'): string {
    return this.offered.find((o) => o.kind === kind)?.modelName ?? kind;
  }

  private add(
    kind: ClientToolKind,
    name: string,
    namespace: string | undefined,
    build: (modelName: string) => ModelTool,
  ): OfferedTool {
    const base = namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name;
    let modelName = base;
    for (let n = 2; this.byModelName.has(modelName); n++) modelName = `${base}_${n}`;
    const offered: OfferedTool = { kind, modelName, name, tool: build(modelName) };
    if (namespace) offered.namespace = namespace;
    this.offered.push(offered);
    this.byModelName.set(modelName, offered);
    return offered;
  }
}

/**
 * The text of the `input` string in a partial JSON object `{"input": "…` as far as it can be
 * decoded yet (an escape cut in half waits for the next fragment). Used to stream
 * `response.custom_tool_call_input.delta` while the backend streams the function arguments.
 */
export function partialInputString(args: string): string {
  const key = /"input"\s*:\s*"/.exec(args);
  if (!key) return '';
  let out = '';
  for (let i = key.index + key[0].length; i < args.length; i++) {
    const ch = args[i];
    if (ch === '"') return out;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = args[i + 1];
    if (next === undefined) return out;
    if (next === 'u') {
      const hex = args.slice(i + 2, i + 6);
      if (hex.length < 4) return out;
      const code = Number.parseInt(hex, 16);
      // A high surrogate waits for its low half.
      if (code >= 0xd800 && code <= 0xdbff) {
        const low = /^\\u([0-9a-fA-F]{4})/.exec(args.slice(i + 6, i + 12));
        if (!low) return out;
        out += String.fromCharCode(code, Number.parseInt(low[1], 16));
        i += 11;
        continue;
      }
      out += String.fromCharCode(code);
      i += 5;
      continue;
    }
    out += ESCAPES[next] ?? next;
    i += 1;
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };

/** The final input of a custom tool call: `{"input": "…"}`, else the arguments as sent (a model that wrote raw text). */
export function customInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (typeof parsed === 'string') return parsed;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { input?: unknown }).input === 'string')
      return (parsed as { input: string }).input;
  } catch {
    // Not JSON: the text itself is the input.
  }
  return args;
}

type Json = Record<string, unknown>;

function parseObject(args: string): { value: Json; valid: boolean } {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { value: parsed as Json, valid: true };
  } catch {
    // Falls through.
  }
  return { value: {}, valid: false };
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : [];
const integerOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** `local_shell` arguments → the `action` of a local_shell_call; `valid` is false when they did not fit. */
export function localShellAction(args: string): { action: Json; valid: boolean } {
  const { value, valid } = parseObject(args);
  const command = strings(value.command);
  const env: Record<string, string> = {};
  if (value.env && typeof value.env === 'object')
    for (const [k, v] of Object.entries(value.env as Json)) env[k] = String(v);
  const action: Json = { type: 'exec', command, env };
  const timeout = integerOrNull(value.timeout_ms);
  if (timeout !== null) action.timeout_ms = timeout;
  if (typeof value.working_directory === 'string') action.working_directory = value.working_directory;
  return { action, valid: valid && command.length > 0 };
}

/** `shell` arguments → the `action` of a shell_call. */
export function shellAction(args: string): { action: Json; valid: boolean } {
  const { value, valid } = parseObject(args);
  const commands = strings(value.commands);
  return {
    action: {
      commands,
      timeout_ms: integerOrNull(value.timeout_ms),
      max_output_length: integerOrNull(value.max_output_length),
    },
    valid: valid && commands.length > 0,
  };
}

const PATCH_TYPES = new Set(['create_file', 'update_file', 'delete_file']);

/** `apply_patch` arguments → the `operation` of an apply_patch_call. */
export function patchOperation(args: string): { operation: Json; valid: boolean } {
  const { value, valid } = parseObject(args);
  const type = typeof value.type === 'string' && PATCH_TYPES.has(value.type) ? value.type : 'update_file';
  const path = typeof value.path === 'string' ? value.path : '';
  const operation: Json = { type, path };
  if (type !== 'delete_file') operation.diff = typeof value.diff === 'string' ? value.diff : '';
  return { operation, valid: valid && PATCH_TYPES.has(String(value.type)) && path !== '' };
}

/** History replay: a client tool item → the arguments of the backend tool call it was. */
export function callArguments(item: Json): string {
  switch (item.type) {
    case 'custom_tool_call':
      return JSON.stringify({ input: item.input });
    case 'local_shell_call': {
      const action = (item.action ?? {}) as Json;
      const args: Json = { command: action.command };
      if (action.env && Object.keys(action.env as Json).length > 0) args.env = action.env;
      if (typeof action.timeout_ms === 'number') args.timeout_ms = action.timeout_ms;
      if (typeof action.working_directory === 'string') args.working_directory = action.working_directory;
      return JSON.stringify(args);
    }
    case 'shell_call': {
      const action = (item.action ?? {}) as Json;
      const args: Json = { commands: action.commands };
      if (typeof action.timeout_ms === 'number') args.timeout_ms = action.timeout_ms;
      if (typeof action.max_output_length === 'number') args.max_output_length = action.max_output_length;
      return JSON.stringify(args);
    }
    case 'apply_patch_call':
      return JSON.stringify(item.operation);
    default:
      return String(item.arguments ?? '');
  }
}

/** History replay: a shell_call_output's per-command results as one tool message text. */
export function shellOutputText(output: readonly Json[]): string {
  return output
    .map((entry) => {
      const outcome = (entry.outcome ?? {}) as Json;
      const end = outcome.type === 'timeout' ? 'timed out' : `exit code ${String(outcome.exit_code)}`;
      return `${end}\nstdout:\n${String(entry.stdout ?? '')}\nstderr:\n${String(entry.stderr ?? '')}`;
    })
    .join('\n\n');
}

/** History replay: an apply_patch_call_output as one tool message text. */
export function patchOutputText(item: Json): string {
  const output = typeof item.output === 'string' && item.output !== '' ? `\n${item.output}` : '';
  return `${String(item.status)}${output}`;
}
