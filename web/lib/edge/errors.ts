/**
 * Errors the server edge (./route.ts) answers by their class: each carries its HTTP status, its
 * code and the words a client may read. The error's own message is for the log only (it can name
 * an environment variable, a file or a URL), so it never reaches a response.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** What the client reads. */
    readonly publicMessage: string,
    /** What the log reads (defaults to the public words). */
    detail?: string,
  ) {
    super(detail ?? publicMessage);
    this.name = new.target.name;
  }
}

/** A part this server needs is not configured or not reachable: 503, try again later. */
export class ServiceUnavailableError extends HttpError {
  constructor(code: string, publicMessage: string, detail?: string) {
    super(503, code, publicMessage, detail);
  }
}
