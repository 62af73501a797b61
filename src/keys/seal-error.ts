/** A sealed value that cannot be opened (or a KEK that cannot be used); the message says why. */
export class SealError extends Error {
  readonly code = 'ROTOR_UNSEAL_FAILED';
}
