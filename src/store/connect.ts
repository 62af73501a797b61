import mongoose, { type Connection } from 'mongoose';

/**
 * Opens the MongoDB connection. Commands are not buffered while disconnected: a request
 * fails fast (and becomes a 503) instead of hanging, and the driver reconnects by itself.
 */
export async function connectStore(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 3000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  await connection.asPromise();
  return connection;
}

const NETWORK_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when an error means MongoDB is unreachable (answer 503), not that the request is bad.
 * Any driver error other than a server's answer to a command (a MongoServerError, such as a
 * duplicate key, or an API misuse, which is a bug) is about reaching the server.
 */
export function isStoreDown(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const { MongoError, MongoServerError, MongoAPIError } = mongoose.mongo;
    if (current instanceof MongoError && !(current instanceof MongoServerError) && !(current instanceof MongoAPIError)) return true;
    if (current.name === 'MongooseServerSelectionError') return true;
    // The driver sometimes lets a raw socket error through when the server vanishes mid-write.
    if (NETWORK_CODES.has(String((current as NodeJS.ErrnoException).code))) return true;
    if (current.name === 'MongooseError' && /buffering|not connected|connection .* closed/i.test(current.message)) return true;
  }
  return false;
}
