#!/usr/bin/env node
// Makes sure a MongoDB-compatible server and Redis are reachable for dev and tests.
// With MONGODB_URI / REDIS_URL set it starts nothing; otherwise it reuses whatever listens on the
// default loopback ports, and starts FerretDB (SQLite backend) or redis-server where nothing does.
// Usage: node scripts/engines.mjs [--stop]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';

const HOST = '127.0.0.1';
const MONGO_PORT = 27017;
const REDIS_PORT = 6379;
const DEFAULT_MONGODB_URI = `mongodb://${HOST}:${MONGO_PORT}/rotor`;
const DEFAULT_REDIS_URL = `redis://${HOST}:${REDIS_PORT}`;
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';
const LOCK_TIMEOUT_MS = 20 * 60_000; // long enough for a first-time FerretDB build

const defaultRoot = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultLog = (msg) => process.stderr.write(`engines: ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ensures both engines are reachable; returns their URIs and the names of engines it started. */
export async function ensureEngines({ root = defaultRoot(), log = defaultLog } = {}) {
  const mongodbUri = process.env.MONGODB_URI || DEFAULT_MONGODB_URI;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const needMongo = async () => !process.env.MONGODB_URI && !(await accepts(MONGO_PORT));
  const needRedis = async () => !process.env.REDIS_URL && !(await accepts(REDIS_PORT));
  const started = [];
  if (!(await needMongo()) && !(await needRedis())) return { mongodbUri, redisUrl, started };

  const dataDir = path.join(root, '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  const release = await acquireLock(path.join(dataDir, 'engines.lock'), log);
  try {
    // Checked again under the lock: a concurrent invocation may have started them meanwhile.
    if (await needMongo()) {
      await startFerretDB(root, log);
      started.push('ferretdb');
    }
    if (await needRedis()) {
      await startRedis(root, log);
      started.push('redis');
    }
  } finally {
    release();
  }
  return { mongodbUri, redisUrl, started };
}

/**
 * The path of a working FerretDB binary, built (under the same lock) when none is found; for
 * tests that run FerretDB processes of their own.
 */
export async function ferretDbBinary({ root = defaultRoot(), log = defaultLog } = {}) {
  const dataDir = path.join(root, '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  const release = await acquireLock(path.join(dataDir, 'engines.lock'), log);
  try {
    return await findOrBuildFerretDB(root, log);
  } finally {
    release();
  }
}

/** Stops only the engines whose pid files this script wrote under <root>/.data. */
export async function stopStartedEngines(root = defaultRoot(), log = defaultLog) {
  const stopped = [];
  for (const [name, file] of [['ferretdb', 'ferretdb.pid'], ['redis-server', 'redis.pid']]) {
    const pidFile = path.join(root, '.data', file);
    const pid = readPid(pidFile);
    if (pid && isAlive(pid) && commandOf(pid).includes(name)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
      log(`stopped ${name} (pid ${pid})`);
      stopped.push(name);
    }
    fs.rmSync(pidFile, { force: true });
  }
  return stopped;
}

// ---- FerretDB ----

async function startFerretDB(root, log) {
  const dataDir = path.join(root, '.data');
  const pidFile = path.join(dataDir, 'ferretdb.pid');
  const logFile = path.join(dataDir, 'ferretdb.log');
  const previous = readPid(pidFile);
  if (previous && isAlive(previous) && commandOf(previous).includes('ferretdb')) {
    // Ours from an earlier run that is still coming up (or hung): wait for it rather than clash.
    log(`waiting for FerretDB already started (pid ${previous})`);
    await waitFor(() => mongoPing(MONGO_PORT), 20_000, () => null, 'FerretDB to answer');
    return;
  }

  const bin = await findOrBuildFerretDB(root, log);
  const sqliteDir = path.join(dataDir, 'ferretdb');
  const stateDir = path.join(dataDir, 'ferretdb-state');
  fs.mkdirSync(sqliteDir, { recursive: true }); // FerretDB requires the directory to exist
  fs.mkdirSync(stateDir, { recursive: true });
  const args = [
    '--handler=sqlite',
    // WAL is already on; NORMAL syncs the log at checkpoints, not on every commit: a dev engine
    // may lose its last writes on power loss, never its consistency.
    `--sqlite-url=file:${sqliteDir}/?_pragma=synchronous(normal)`,
    `--listen-addr=${HOST}:${MONGO_PORT}`,
    `--state-dir=${stateDir}`,
    '--debug-addr=-', // "-" disables the debug HTTP listener (default 127.0.0.1:8088)
    '--telemetry=disable', // telemetry would try to reach the internet
    '--log-level=warn', // at INFO it logs every client connection
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { cwd: root, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exit = null;
  child.on('error', (err) => (exit = err.message));
  child.on('exit', (code, signal) => (exit = `exited with ${signal ?? `code ${code}`}`));
  child.unref();
  if (child.pid) fs.writeFileSync(pidFile, `${child.pid}\n`);
  log(`starting FerretDB ${FERRETDB_VERSION} (pid ${child.pid}) on ${HOST}:${MONGO_PORT}, log ${rel(root, logFile)}`);

  const failed = () => exit && `FerretDB ${exit}; see ${rel(root, logFile)}`;
  await waitFor(() => mongoPing(MONGO_PORT), 20_000, failed, 'FerretDB to answer');
  await sleep(200); // settle: let it finish setting up after its first reply
  log('FerretDB is up');
}

async function findOrBuildFerretDB(root, log) {
  const env = process.env.FERRETDB_BIN;
  if (env) {
    if (!isUsableFerretDB(env)) throw new Error(`FERRETDB_BIN=${env} is not a working ferretdb binary`);
    return env;
  }
  // Only our own build: a stock FerretDB (on PATH, or an older build of ours) looks every `_id`
  // up with a scan of the whole collection (see ID_INDEX_PATCH).
  const local = path.join(root, '.data', 'bin', `ferretdb-${FERRETDB_VERSION}-id-index`);
  if (isUsableFerretDB(local)) return local;
  await buildFerretDB(root, local, log);
  return local;
}

// FerretDB 1.24 on SQLite creates its unique `_id` index on `_ferretdb_sjson->'_id'` but looks
// `_id` up as `_ferretdb_sjson->'$._id'`: the same value, yet SQLite uses an index only for the
// expression it was built on, so every find, update and delete by `_id` reads every row (2 ms at
// 100 documents, 156 ms at 100,000). Writing the lookup as the index is written lets SQLite use
// it (about 1 ms at 100,000). Development and tests only: production runs MongoDB.
const ID_INDEX_PATCH = {
  file: path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'"`,
};

function patchIdIndex(src) {
  const file = path.join(src, ID_INDEX_PATCH.file);
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(ID_INDEX_PATCH.from)) throw new Error(`cannot apply the _id index fix to FerretDB ${FERRETDB_VERSION}: ${ID_INDEX_PATCH.file} has no ${ID_INDEX_PATCH.from}`);
  fs.writeFileSync(file, text.replace(ID_INDEX_PATCH.from, ID_INDEX_PATCH.to));
}

function isUsableFerretDB(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /version/i.test(r.stdout);
}

// `go install ...@v1.24.2` does not work here (the proxy refuses the module's @v/list lookup),
// and the module as published lacks build/version/version.txt, without which the binary panics.
// So: download the module, copy it, add version.txt, fix the `_id` lookups (ID_INDEX_PATCH), build.
async function buildFerretDB(root, out, log) {
  if (!onPath('go')) {
    throw new Error('ferretdb not found and go is not installed: install Go, set FERRETDB_BIN, or set MONGODB_URI');
  }
  log(`ferretdb not found: building FerretDB ${FERRETDB_VERSION} from source (first time only, a few minutes)`);
  const dl = spawnSync('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { encoding: 'utf8' });
  const info = safeJson(dl.stdout);
  if (dl.status !== 0 || !info?.Dir) {
    throw new Error(`go mod download ${FERRETDB_MODULE}@${FERRETDB_VERSION} failed: ${info?.Error ?? dl.stderr.trim()}`);
  }

  const src = path.join(root, '.data', 'build', 'ferretdb-src');
  fs.rmSync(src, { recursive: true, force: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  makeWritable(src); // the module cache is read-only, and so is the copy
  fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  patchIdIndex(src);

  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const began = Date.now();
  const heartbeat = setInterval(() => log(`still building FerretDB (${Math.round((Date.now() - began) / 1000)} s)`), 30_000);
  try {
    const code = await new Promise((resolve, reject) => {
      const go = spawn('go', ['build', '-buildvcs=false', '-trimpath', '-o', tmp, './cmd/ferretdb'], {
        cwd: src,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      go.on('error', reject);
      go.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`go build of FerretDB failed (exit ${code}); see the output above`);
  } finally {
    clearInterval(heartbeat);
  }
  fs.renameSync(tmp, out);
  fs.rmSync(src, { recursive: true, force: true });
  log(`built ${rel(root, out)} in ${Math.round((Date.now() - began) / 1000)} s`);
}

function makeWritable(dir) {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else fs.chmodSync(p, 0o644);
  }
}

// ---- Redis ----

async function startRedis(root, log) {
  const dir = path.join(root, '.data', 'redis');
  const pidFile = path.join(root, '.data', 'redis.pid');
  const logFile = path.join(root, '.data', 'redis.log');
  fs.mkdirSync(dir, { recursive: true });
  const args = [
    '--port', String(REDIS_PORT), '--bind', HOST, '--save', '', '--appendonly', 'no',
    '--dir', dir, '--daemonize', 'yes', '--pidfile', pidFile, '--logfile', logFile,
  ];
  const r = spawnSync('redis-server', args, { encoding: 'utf8' });
  if (r.error?.code === 'ENOENT') {
    throw new Error('redis-server not found: install it (apt-get install redis-server) or set REDIS_URL');
  }
  if (r.status !== 0) throw new Error(`redis-server failed to start (exit ${r.status}); see ${rel(root, logFile)}`);
  log(`starting redis-server on ${HOST}:${REDIS_PORT}, log ${rel(root, logFile)}`);
  await waitFor(() => redisPing(REDIS_PORT), 10_000, () => null, 'Redis to answer');
  log('Redis is up');
}

// ---- Probes ----

function accepts(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True once a MongoDB-compatible server on `port` answers the driver's `ping` command. */
async function mongoPing(port) {
  const connection = mongoose.createConnection(`mongodb://${HOST}:${port}/admin`, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
  try {
    await connection.asPromise();
    await connection.db.admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** True once Redis on `port` answers PING. */
async function redisPing(port) {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function waitFor(probe, timeoutMs, failed, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    const why = failed();
    if (why) throw new Error(why);
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

// ---- Lock: a directory holding the owner's pid; a dead owner's lock is taken over ----

async function acquireLock(dir, log) {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), `${process.pid}\n`);
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const owner = readPid(path.join(dir, 'pid'));
    const age = Date.now() - (statOrNull(dir)?.mtimeMs ?? Date.now());
    // No pid yet is normal for a moment right after the owner's mkdir; not after seconds.
    if ((owner && !isAlive(owner)) || (!owner && age > 5_000)) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${dir} (held by pid ${owner})`);
    if (!told) log(`waiting for another engines.mjs (pid ${owner ?? '?'}) to finish`);
    told = true;
    await sleep(500);
  }
}

// ---- Small helpers ----

function readPid(file) {
  const n = Number.parseInt(statOrNull(file) ? fs.readFileSync(file, 'utf8') : '', 10);
  return Number.isInteger(n) && n > 0 ? n : null;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function commandOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function statOrNull(p) {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const rel = (root, p) => path.relative(root, p) || p;

// ---- CLI ----

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    if (process.argv.includes('--stop')) {
      await stopStartedEngines();
    } else {
      const { mongodbUri, redisUrl } = await ensureEngines();
      process.stdout.write(`MONGODB_URI=${mongodbUri}\nREDIS_URL=${redisUrl}\n`);
    }
    process.exit(0);
  } catch (err) {
    process.stderr.write(`engines: ${err.message}\n`);
    process.exit(1);
  }
}
