// Logger: one line per event, `time level message key=value ...`, filtered by level; and a rate-limited WARN
// for events clients cause (bad input), which must not flood the log.

import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';

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

/**
 * A WARN line for one kind of event that a client can cause at will (bad input): at most `max` lines per
 * `intervalMs`; the lines over that are counted, and once the interval ends one line says how many were
 * suppressed, so a flood of bad requests cannot flood the log.
 */
export class RateLimitedWarn {
  readonly #log: Logger;
  readonly #max: number;
  readonly #intervalMs: number;
  #windowStart = -Infinity;
  #lines = 0;
  #suppressed = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(log: Logger, max: number, intervalMs: number) {
    this.#log = log;
    this.#max = max;
    this.#intervalMs = intervalMs;
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.#windowStart >= this.#intervalMs) {
      this.#summarize();
      this.#windowStart = now;
      this.#lines = 0;
    }
    if (this.#lines < this.#max) {
      this.#lines++;
      this.#log.warn(msg, fields);
      return;
    }
    this.#suppressed++;
    if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#summarize();
        this.#windowStart = -Infinity; // the interval is over: the next line starts a new one
      }, Math.max(0, this.#windowStart + this.#intervalMs - now));
      this.#timer.unref(); // the summary must not keep the process alive
    }
  }

  /** Writes the pending summary, if any, and stops the timer. */
  close(): void {
    this.#summarize();
  }

  #summarize(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#suppressed === 0) return;
    this.#log.warn(`suppressed ${this.#suppressed} similar lines`, { intervalMs: this.#intervalMs });
    this.#suppressed = 0;
  }
}
