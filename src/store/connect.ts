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

const DEPENDENCY_ERRORS = new Set([
  'MongoServerSelectionError', 'MongooseServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError',
  'MongoNotConnectedError', 'MongoPoolClearedError', 'MongoTopologyClosedError', 'MongoExpiredSessionError',
]);

/** True when an error means MongoDB is unreachable (answer 503), not that the request is bad. */
export function isStoreDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (DEPENDENCY_ERRORS.has(err.name)) return true;
  return err.name === 'MongooseError' && /buffering|not connected|connection .* closed/i.test(err.message);
}
