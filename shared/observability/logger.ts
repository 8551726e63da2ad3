// Structured JSON logs (pino); every line carries the function name, and request or event id where known.
import pino from 'pino';

export type Logger = pino.Logger;

/** `level` comes from the configuration (LOG_LEVEL); code without one logs at info. */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({ name, level, base: { fn: name } });
}
