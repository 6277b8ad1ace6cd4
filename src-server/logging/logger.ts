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
    return code === undefined
      ? { name: value.name, message: value.message, stack: value.stack }
      : { name: value.name, message: value.message, code, stack: value.stack };
  }
  return value;
}

/** Whether a line at `lvl` passes a logger configured at `level`. */
export function levelEnabled(level: LogLevel, lvl: Exclude<LogLevel, 'silent'>): boolean {
  return RANK[lvl] >= RANK[level];
}

/** One log line as JSON text (no newline): level, time, msg, bound fields, then `fields`. */
export function formatLogLine(
  lvl: Exclude<LogLevel, 'silent'>,
  msg: string,
  bound: LogFields,
  fields?: LogFields,
): string {
  const line: LogFields = { level: lvl, time: new Date().toISOString(), msg, ...bound };
  if (fields) for (const [k, v] of Object.entries(fields)) line[k] = serialize(v);
  try {
    return JSON.stringify(line);
  } catch {
    // A cyclic field must not turn a log call into a crash.
    return JSON.stringify(Object.assign({ level: lvl, time: line.time, msg }, bound, { unserializable: true }));
  }
}

export function createLogger(level: LogLevel = 'info', sink: LogSink = stderrSink, bound: LogFields = {}): Logger {
  return new JsonLogger(level, sink, bound);
}

/**
 * A Logger as a class: a request makes a child logger (its id on every line), and one object with
 * its methods on the prototype costs a fraction of a closure per level. Subclasses say where a
 * line goes (`write`) and what a child is.
 */
export abstract class LevelLogger implements Logger {
  private failureReporter: FailureReporter | undefined = undefined;

  /** This logger's FailureReporter (`reportTo`), made once. */
  get reporter(): FailureReporter {
    return (this.failureReporter ??= reporterOf(this));
  }

  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  abstract child(fields: LogFields): Logger;

  protected abstract write(lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void;
}

class JsonLogger extends LevelLogger {
  constructor(
    private readonly level: LogLevel,
    private readonly sink: LogSink,
    private readonly bound: LogFields,
  ) {
    super();
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.level, this.sink, Object.assign({}, this.bound, fields));
  }

  protected write(lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void {
    if (!levelEnabled(this.level, lvl)) return;
    this.sink(formatLogLine(lvl, msg, this.bound, fields) + '\n');
  }
}

export const silentLogger: Logger = createLogger('silent');

/**
 * Receives a failure that was contained instead of reaching the event loop (engine/contain.ts):
 * `where` says which callback failed. Must not throw.
 */
export type FailureReporter = (err: unknown, where: string) => void;

/**
 * A FailureReporter that logs at `error` through a request's or the gateway's logger. A request
 * asks for it in several places and each keeps it as long as its stream: a LevelLogger makes one.
 */
export function reportTo(log: Logger): FailureReporter {
  return log instanceof LevelLogger ? log.reporter : reporterOf(log);
}

function reporterOf(log: Logger): FailureReporter {
  return (err, where) => log.error(`${where} failed`, { err });
}
