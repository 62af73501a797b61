/** An admin API answer other than success, in the OAuth error shape. */
export class AdminError extends Error {
  constructor(readonly status: number, readonly error: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}
