import type { z } from 'zod';
import { supportedEventTypes, deliveredEventTypes } from './event-types.js';
import { checkReceiverUrl, type ReceiverUrlRules } from './receiver-url.js';
import { POLL_URN, type createStreamBody } from './stream-schemas.js';
import type { Stream } from './stream-store.js';
import { SsfError } from './ssf-error.js';

type Delivery = z.infer<typeof createStreamBody>['delivery'];

/** The stream fields a receiver's delivery settings give, checked (`endpoint_url` only for push). */
export function deliveryFields(delivery: Delivery, rules: ReceiverUrlRules): Pick<Stream, 'method' | 'endpointUrl' | 'authorizationHeader'> {
  if (delivery.method === POLL_URN) {
    if (delivery.endpoint_url !== undefined) throw new SsfError('delivery.endpoint_url: the transmitter names the poll endpoint; leave it out', 'ROTOR_SSF_BAD_ENDPOINT');
    return { method: 'poll', endpointUrl: undefined, authorizationHeader: undefined };
  }
  if (delivery.endpoint_url === undefined) throw new SsfError('delivery.endpoint_url: push needs the receiver\'s URL', 'ROTOR_SSF_BAD_ENDPOINT');
  return { method: 'push', endpointUrl: checkReceiverUrl(delivery.endpoint_url, rules).href, authorizationHeader: delivery.authorization_header };
}

/**
 * The event types requested, all of them known to this transmitter (an unknown one is a 400),
 * and those the stream will deliver: requested ∩ supported ∩ entitled.
 */
export function eventFields(issuer: string, requested: string[], subjectsEntitled: boolean): Pick<Stream, 'eventsRequested' | 'eventsDelivered'> {
  const supported = new Set(supportedEventTypes(issuer));
  const unknown = requested.find((type) => !supported.has(type));
  if (unknown) throw new SsfError(`events_requested: ${unknown.slice(0, 200)} is not an event type this transmitter supports`, 'ROTOR_SSF_UNKNOWN_EVENT_TYPE');
  return { eventsRequested: [...new Set(requested)], eventsDelivered: deliveredEventTypes(issuer, requested, subjectsEntitled) };
}
