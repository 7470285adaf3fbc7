// Fetching a user-supplied URL: the SSRF guard at every hop, redirects followed by hand (at most 3), one deadline
// for the whole exchange, and a byte cap enforced while streaming (nothing beyond the cap is ever read ahead).
import { checkUrl, type UrlPolicy } from "./ssrf";
import { sniffImage, SNIFF_BYTES, type SniffedImage } from "./sniff";

export const MAX_REFERENCE_BYTES = 25 * 1024 * 1024;
export const MAX_REDIRECTS = 3;
export const DEFAULT_TIMEOUT_MS = 20_000;

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

export type FetchUserUrlInit = {
  maxBytes?: number;
  timeoutMs?: number;
  fetcher?: typeof fetch;
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  /** false: a redirect is the final answer (outbound webhooks count a 3xx as a failure and never follow it). */
  followRedirects?: boolean;
};

/** The final (non-redirect) response, its body capped at `maxBytes`, and the URL that answered. */
export type UserUrlResponse = { response: Response; url: URL; redirects: number };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Credentials meant for one origin must not follow a redirect to another (as the Fetch standard does).
const ORIGIN_BOUND_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

const tooLarge = (maxBytes: number): FetchFailed =>
  new FetchFailed("too_large", `response is larger than the ${maxBytes}-byte limit`);

function guard(raw: string, policy: UrlPolicy, hop: string): URL {
  const checked = checkUrl(raw, policy);
  if (!checked.ok) throw new UrlRefused(hop ? `${hop}: ${checked.reason}` : checked.reason, raw);
  return checked.url;
}

function asFetchFailed(err: unknown, signal: AbortSignal | undefined, host: string): FetchFailed {
  if (err instanceof FetchFailed) return err;
  if (signal?.aborted) return new FetchFailed("timeout", `${host} did not answer in time`);
  return new FetchFailed("network", `could not fetch from ${host}`);
}

export async function fetchUserUrl(raw: string, policy: UrlPolicy, init: FetchUserUrlInit = {}): Promise<UserUrlResponse> {
  let url = guard(raw, policy, "");
  const maxBytes = init.maxBytes ?? MAX_REFERENCE_BYTES;
  const fetcher: typeof fetch = init.fetcher ?? ((input, requestInit) => fetch(input, requestInit));
  const signal = AbortSignal.timeout(init.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const headers = new Headers(init.headers);
  let method = (init.method ?? "GET").toUpperCase();
  let body: BodyInit | null = init.body ?? null;

  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await fetcher(url.href, { method, headers, body, redirect: "manual", signal });
    } catch (err) {
      throw asFetchFailed(err, signal, url.host);
    }
    const status = response.status;
    if (!REDIRECT_STATUSES.has(status) || init.followRedirects === false) return { response: capResponse(response, maxBytes, signal, url), url, redirects };

    await response.body?.cancel();
    if (redirects >= MAX_REDIRECTS) {
      throw new FetchFailed("too_many_redirects", `more than ${MAX_REDIRECTS} redirects`, status);
    }
    const location = response.headers.get("location");
    if (!location) throw new FetchFailed("bad_redirect", `${url.host} redirected (${status}) without a Location`, status);
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      throw new FetchFailed("bad_redirect", `${url.host} redirected (${status}) to an invalid Location`, status);
    }
    const next = guard(target.href, policy, `redirect ${redirects + 1} to ${target.host || target.href}`);

    // 303, and 301/302 after a POST, continue as a body-less GET; 307/308 replay the request as it was.
    if (status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST") {
      method = "GET";
      body = null;
      for (const name of BODY_HEADERS) headers.delete(name);
    } else if (body instanceof ReadableStream) {
      throw new FetchFailed("bad_redirect", `${url.host} redirected (${status}) a streamed body that cannot be replayed`, status);
    }
    if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
    url = next;
  }
}

function capResponse(response: Response, maxBytes: number, signal: AbortSignal, url: URL): Response {
  const declared = Number(response.headers.get("content-length") ?? "");
  if (response.body && Number.isFinite(declared) && declared > maxBytes) {
    void response.body.cancel();
    throw tooLarge(maxBytes);
  }
  if (!response.body) return response;
  const body = limitBytes(response.body, maxBytes, signal, url.host);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * A stream yielding `source`'s bytes that errors with FetchFailed("too_large") once more than `maxBytes` have
 * passed. It reads only when its consumer pulls, so no more than one chunk past the cap is ever read.
 */
export function limitBytes(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  signal?: AbortSignal,
  host = "the server",
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(new FetchFailed("timeout", `${host} did not answer in time`));
    signal?.addEventListener("abort", () => reject(new FetchFailed("timeout", `${host} did not answer in time`)), {
      once: true,
    });
  });
  aborted.catch(() => undefined);

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await Promise.race([reader.read(), aborted]);
          if (done) {
            controller.close();
            return;
          }
          total += value.byteLength;
          if (total > maxBytes) throw tooLarge(maxBytes);
          controller.enqueue(value);
        } catch (err) {
          const failure = asFetchFailed(err, signal, host);
          controller.error(failure);
          await reader.cancel(failure).catch(() => undefined);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Reads a whole body into memory, failing with FetchFailed("too_large") beyond `maxBytes`. */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = limitBytes(body, maxBytes).getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  return concat(chunks, length);
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export type ReferenceImage = SniffedImage & {
  body: ReadableStream<Uint8Array>;
  url: URL;
  /** The declared length, when the server sent one (the stream is capped either way). */
  contentLength: number | null;
};

export type ReferenceImageInit = Pick<FetchUserUrlInit, "maxBytes" | "timeoutMs" | "fetcher">;

/** Fetches a reference image; the type comes from its magic bytes, and `body` yields every byte, prefix included. */
export async function fetchReferenceImage(
  raw: string,
  policy: UrlPolicy,
  init: ReferenceImageInit = {},
): Promise<ReferenceImage> {
  const { response, url } = await fetchUserUrl(raw, policy, {
    ...init,
    method: "GET",
    headers: { accept: "image/png, image/jpeg, image/webp" },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new FetchFailed("http_status", `${url.host} answered ${response.status}`, response.status);
  }
  const unsupported = new FetchFailed("unsupported_image_type", "unsupported image type: only png, jpeg and webp are accepted");
  if (!response.body) throw unsupported;

  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < SNIFF_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const prefix = concat(chunks, length);
  const sniffed = sniffImage(prefix);
  if (!sniffed) {
    await reader.cancel(unsupported).catch(() => undefined);
    throw unsupported;
  }

  let prefixSent = prefix.byteLength === 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!prefixSent) {
          prefixSent = true;
          controller.enqueue(prefix);
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const declared = response.headers.get("content-length");
  return { ...sniffed, body, url, contentLength: declared !== null && /^\d+$/.test(declared) ? Number(declared) : null };
}
