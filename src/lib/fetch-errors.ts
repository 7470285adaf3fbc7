// How fetching a user-supplied URL fails: refused by the SSRF guard before anything is sent, or failed in the exchange.

/** The URL (or a redirect target) was refused by the SSRF guard; nothing was sent to it. */
export class UrlRefused extends Error {
  override readonly name = "UrlRefused";
  constructor(
    readonly reason: string,
    readonly url: string,
  ) {
    super(`URL refused: ${reason}`);
  }
}

export type FetchFailure =
  | "timeout"
  | "network"
  | "bad_redirect"
  | "too_many_redirects"
  | "too_large"
  | "http_status"
  | "unsupported_image_type";

/** The exchange with an allowed URL failed; `kind` is the closed set callers map, `reason` is for people. */
export class FetchFailed extends Error {
  override readonly name = "FetchFailed";
  constructor(
    readonly kind: FetchFailure,
    readonly reason: string,
    readonly status: number | null = null,
  ) {
    super(reason);
  }
}

export const tooLarge = (maxBytes: number): FetchFailed =>
  new FetchFailed("too_large", `response is larger than the ${maxBytes}-byte limit`);

export const timedOut = (host: string): FetchFailed => new FetchFailed("timeout", `${host} did not answer in time`);

/** Any error of an exchange as a FetchFailed: a timeout when the deadline's signal fired, else a network failure. */
export function asFetchFailed(err: unknown, signal: AbortSignal | undefined, host: string): FetchFailed {
  if (err instanceof FetchFailed) return err;
  if (signal?.aborted) return timedOut(host);
  return new FetchFailed("network", `could not fetch from ${host}`);
}
