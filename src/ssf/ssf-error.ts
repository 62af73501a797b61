/** The stable codes of the stream API's refusals (mapped in `http/error-table.ts`). */
export type SsfErrorCode =
  | 'ROTOR_SSF_UNKNOWN_STREAM'
  | 'ROTOR_SSF_BAD_ENDPOINT'
  | 'ROTOR_SSF_HOST_NOT_ALLOWED'
  | 'ROTOR_SSF_UNKNOWN_EVENT_TYPE'
  | 'ROTOR_SSF_WRONG_METHOD'
  | 'ROTOR_SSF_BODY_TOO_LARGE';

/** A refusal of the stream API, with its stable code. */
export class SsfError extends Error {
  constructor(message: string, readonly code: SsfErrorCode) {
    super(message);
  }
}
