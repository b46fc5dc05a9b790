// Logger: one line per event, `time level message key=value ...`, filtered by level.

import process from 'node:process';

export const LogLevels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LogLevels;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  readonly level: LogLevel;
}

function format(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = v instanceof Error ? (v.stack ?? v.message) : typeof v === 'string' ? v : JSON.stringify(v);
    out += ` ${k}=${s !== undefined && /\s/.test(s) && !(v instanceof Error) ? JSON.stringify(s) : s}`;
  }
  return out;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const min = LogLevels[level];
  const at = (name: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (LogLevels[name] < min) return;
    write(`${new Date().toISOString()} ${name.toUpperCase().padEnd(5)} ${msg}${format(fields)}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), level };
}
