// Fetching a user-supplied URL: the SSRF guard at every hop, redirects followed by hand (at most 3), one deadline
// for the whole exchange, and a byte cap enforced while streaming (capped-body.ts).
import { limitBytes } from "./capped-body";
import { FetchFailed, UrlRefused, asFetchFailed, tooLarge } from "./fetch-errors";
import { checkUrl, type UrlPolicy } from "./ssrf";

export const MAX_REFERENCE_BYTES = 25 * 1024 * 1024;
export const MAX_REDIRECTS = 3;
export const DEFAULT_TIMEOUT_MS = 20_000;

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

function guard(raw: string, policy: UrlPolicy, hop: string): URL {
  const checked = checkUrl(raw, policy);
  if (!checked.ok) throw new UrlRefused(hop ? `${hop}: ${checked.reason}` : checked.reason, raw);
  return checked.url;
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
