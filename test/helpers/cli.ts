import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT, writeConfig } from './server.js';
import { withDeploymentPrefix } from './engines.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's configuration with its deployment's Redis prefix, as the test servers get it. */
function deploymentConfig(env: Record<string, string>): Record<string, string> {
  if (!env.MONGODB_URI) return {};
  let config: Record<string, unknown> = {};
  try {
    if (env.ROTOR_CONFIG) config = JSON.parse(readFileSync(env.ROTOR_CONFIG, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
  return { ROTOR_CONFIG: writeConfig(withDeploymentPrefix(config, env.MONGODB_URI)) };
}

/** Runs the built `rotor` CLI against the given database. */
export async function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', ...env, ...deploymentConfig(env) },
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
