import mongoose from 'mongoose';

/** Drops a test database (best effort: a test must not fail on its cleanup). */
export async function dropDatabase(uri: string): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 3000 });
  try {
    await connection.asPromise();
    await connection.dropDatabase();
  } catch {
    // the engine may be gone already
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Every document of every collection of a database, as raw BSON-decoded objects. */
export async function dumpDatabase(uri: string): Promise<Record<string, unknown[]>> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 3000 });
  await connection.asPromise();
  try {
    const out: Record<string, unknown[]> = {};
    for (const { name } of await connection.db!.listCollections().toArray()) {
      out[name] = await connection.db!.collection(name).find({}).toArray();
    }
    return out;
  } finally {
    await connection.close();
  }
}
