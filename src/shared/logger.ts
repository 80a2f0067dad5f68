/**
 * The service's structured logger (pino). Tests run it silent.
 */
import pino, { Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.password_hash'] });
}

export type { Logger };
