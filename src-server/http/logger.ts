/**
 * JSON-lines logger on stderr (one object per line: level, time, msg, then fields). Small on
 * purpose: the gateway logs one line per request plus warnings, so a logging library would add
 * a dependency without adding anything the gateway uses.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the request id, L7). */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => {
  process.stderr.write(line);
};

/** Errors are not enumerable: keep message, code and stack readable in the line. */
function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack };
  }
  return value;
}

export function createLogger(level: LogLevel = 'info', sink: LogSink = stderrSink, bound: LogFields = {}): Logger {
  const min = RANK[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < min) return;
    const line: LogFields = { level: lvl, time: new Date().toISOString(), msg, ...bound };
    if (fields) for (const [k, v] of Object.entries(fields)) line[k] = serialize(v);
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      // A cyclic field must not turn a log call into a crash.
      text = JSON.stringify({ level: lvl, time: line.time, msg, ...bound, unserializable: true });
    }
    sink(text + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, sink, { ...bound, ...fields }),
  };
}

export const silentLogger: Logger = createLogger('silent');
