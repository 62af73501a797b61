/** A catalog operation refused for a reason the caller can act on; `status` is its HTTP status. */
export class CatalogOperationError extends Error {
  constructor(message: string, readonly code: string, readonly status = 400) {
    super(message);
    this.name = 'CatalogOperationError';
  }
}
