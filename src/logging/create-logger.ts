import winston from 'winston';

const SECRET_FIELDS = /^(password|secret|client_secret|token|access_token|refresh_token|id_token|code|code_verifier|authorization|cookie|kek|d|p|q|dp|dq|qi|k|privateJwk|sealedPrivateJwk)$/i;

/** Replaces the value of any field whose name says it holds a secret, at any depth. */
function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.test(key) ? '[redacted]' : redact(inner, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    (info as Record<string, unknown>)[key] = SECRET_FIELDS.test(key) ? '[redacted]' : redact(info[key]);
  }
  return info;
});

export type Logger = winston.Logger;

/** A structured logger: JSON lines in production, readable lines otherwise; never secrets. */
export function createLogger(options: { level: string; production: boolean; service?: string }): Logger {
  const base = [winston.format.timestamp(), redactFormat()];
  const format = options.production
    ? winston.format.combine(...base, winston.format.json())
    : winston.format.combine(...base, winston.format.printf(({ level, message, timestamp, ...rest }) => {
      const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
      return `${String(timestamp)} ${level} ${String(message)}${extra}`;
    }));
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service ?? 'rotor' },
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}
