import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/ports/logger.port.js';
import { failureSummary } from '../notifier/delivery.errors.js';

/** Lets Bolt and its WebClient log through the core's structured logger (errors as a summary, never the object). */
export function boltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  let log = logger.child({ component: 'slack' });
  const emit = (fn: 'debug' | 'info' | 'warn' | 'error', msg: unknown[]) => {
    const err = msg.find((m): m is Error => m instanceof Error);
    const text = msg.map(describe).join(' ');
    log[fn](err ? { err: failureSummary(err) } : {}, text);
  };
  return {
    debug: (...msg: unknown[]) => emit('debug', msg),
    info: (...msg: unknown[]) => emit('info', msg),
    warn: (...msg: unknown[]) => emit('warn', msg),
    error: (...msg: unknown[]) => emit('error', msg),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (name: string) => {
      log = logger.child({ component: 'slack', name });
    },
  };
}

function describe(m: unknown): string {
  if (m instanceof Error) return m.message;
  if (typeof m === 'string') return m;
  try {
    return JSON.stringify(m) ?? String(m);
  } catch {
    return String(m);
  }
}
