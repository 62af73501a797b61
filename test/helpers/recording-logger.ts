/** A verifier logger that keeps what it was told, for assertions. */
export function recordingLogger() {
  const lines: Array<{ level: 'warn' | 'info'; msg: string; meta?: Record<string, unknown> }> = [];
  return {
    lines,
    warnings: () => lines.filter((line) => line.level === 'warn'),
    infos: () => lines.filter((line) => line.level === 'info'),
    warn(msg: string, meta?: Record<string, unknown>): void { lines.push({ level: 'warn', msg, meta }); },
    info(msg: string, meta?: Record<string, unknown>): void { lines.push({ level: 'info', msg, meta }); },
  };
}
