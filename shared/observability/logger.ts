// Structured JSON logs (pino); every line carries the function name, and request or event id where known.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? (process.env.NODE_TEST_CONTEXT || process.env.NODE_ENV === 'test' ? 'warn' : 'info'), base: { fn: name } });
}
