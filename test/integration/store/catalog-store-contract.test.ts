import { afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { CatalogRepository } from '../../../src/store/catalog-repository.js';
import { describeCatalogStore } from '../../helpers/catalog-store-contract.js';
import { dropDatabase } from '../../helpers/database.js';
import { uniqueMongoUri } from '../../helpers/engines.js';

const uris: string[] = [];
const connections: Connection[] = [];


afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await Promise.all(uris.map((uri) => dropDatabase(uri)));
});

describeCatalogStore('the MongoDB catalog repository', async () => {
  const uri = uniqueMongoUri(`contract${randomBytes(2).toString('hex')}`);
  uris.push(uri);
  const connection = await mongoose.createConnection(uri).asPromise();
  connections.push(connection);
  const repo = new CatalogRepository(connection);
  await repo.ensureIndexes();
  return repo;
});
