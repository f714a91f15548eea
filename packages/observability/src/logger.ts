import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level: string;
  /** Human-readable output for local development; JSON lines otherwise. */
  pretty?: boolean;
  /** Where JSON lines go; stdout when absent. */
  destination?: DestinationStream;
}

/** One pino root logger per process; request and job loggers are its children. */
export function createLogger({ service, level, pretty = false, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    errorKey: 'error',
    serializers: { error: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty && !destination) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return destination ? pino(options, destination) : pino(options);
}
