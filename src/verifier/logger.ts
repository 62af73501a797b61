/** Where the verifier reports outages and revocations. `info` is optional. */
export interface VerifierLogger {
  warn(msg: string, meta?: Record<string, unknown>): void;
  info?(msg: string, meta?: Record<string, unknown>): void;
}

/** The default logger: one JSON line per message on `console.warn` (stderr). */
export function jsonLineLogger(): VerifierLogger {
  const write = (level: string, msg: string, meta?: Record<string, unknown>): void => {
    console.warn(JSON.stringify({ time: new Date().toISOString(), level, name: 'rotor/verifier', msg, ...meta }));
  };
  return { warn: (msg, meta) => write('warn', msg, meta), info: (msg, meta) => write('info', msg, meta) };
}
