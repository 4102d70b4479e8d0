import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Level, Logger as Pino } from 'pino';
import type { AppConfig } from '../config/app-config';
import { currentLogContext } from './log-context';
import { REDACTED_PATHS } from './redaction';

const NO_CONTEXT = Object.freeze({});

/**
 * One JSON object per line on stdout, every line with the node id; lines written while a request, socket event or
 * connection is handled also carry its request, connection and user ids (`withLogContext`). JSON in development
 * too: pretty-printing would need another dependency, and `jq` reads these lines.
 */
export function createPino(config: Pick<AppConfig, 'nodeId' | 'logLevel'>, destination: DestinationStream, withContext = true): Pino {
  return pino(
    {
      level: config.logLevel,
      base: { nodeId: config.nodeId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // a copy: pino merges the line's own fields into what the mixin returns
      mixin: withContext ? () => ({ ...(currentLogContext() ?? NO_CONTEXT) }) : undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

export function logDestination(): DestinationStream {
  // synchronous: the last lines before process.exit are not lost
  return pino.destination({ dest: 1, sync: true });
}

/** Nest's `LoggerService` over pino, so every `new Logger(context)` in the code writes JSON lines. */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest's `Logger` passes `(message, ...details, context)`; `error` passes a stack as its one detail. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const last = params.at(-1);
    const context = typeof last === 'string' && params.length > 0 ? last : undefined;
    const details = (context === undefined ? params : params.slice(0, -1)).filter((detail) => detail !== undefined);
    const fields: Record<string, unknown> = { context };
    if (typeof details[0] === 'string') fields.stack = details[0];
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
