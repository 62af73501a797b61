import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './server.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `rotor` CLI against the given database. */
export async function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdin.end(stdin ?? '');
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  return { code, stdout, stderr };
}

/** Runs the CLI and fails loudly unless it exits 0; returns stdout parsed as JSON. */
export async function cliJson<T = Record<string, unknown>>(args: string[], env: Record<string, string>, stdin?: string): Promise<T> {
  const result = await runCli([...args, '--json'], env, stdin);
  if (result.code !== 0) throw new Error(`rotor ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
