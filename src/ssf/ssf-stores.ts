import type { Connection } from 'mongoose';
import { Outbox } from './outbox.js';
import { StreamStore } from './stream-store.js';
import { DeliveryStore } from './delivery-store.js';

/** The transmitter's collections: the outbox, the streams and the deliveries. */
export interface SsfStores {
  outbox: Outbox;
  streams: StreamStore;
  deliveries: DeliveryStore;
}

export const openSsfStores = (connection: Connection): SsfStores => ({
  outbox: new Outbox(connection),
  streams: new StreamStore(connection),
  deliveries: new DeliveryStore(connection),
});
