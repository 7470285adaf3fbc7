import { describe, expect, it } from "vitest";
import { limitBytes, readCapped } from "../../src/lib/capped-body";
import { FetchFailed, UrlRefused } from "../../src/lib/fetch-errors";
import { fetchReferenceImage } from "../../src/lib/reference-image";
import { MAX_REFERENCE_BYTES, fetchUserUrl } from "../../src/lib/safe-fetch";
import type { UrlPolicy } from "../../src/lib/ssrf";

const PROD: UrlPolicy = { allowLoopbackHttp: false };
const DEV: UrlPolicy = { allowLoopbackHttp: true };

type Call = { url: string; method: string; headers: Headers; body: string | null; redirect: string | undefined; signal: boolean };
type Handler = (call: Call, init: RequestInit | undefined) => Response | Promise<Response>;

/** A fetch that answers from a table keyed by URL and records every call; an unknown URL fails the test. */
function fakeFetch(routes: Record<string, Handler>): { fetcher: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : input.toString();
    const body = init?.body;
    const call: Call = {
      url,
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      body: typeof body === "string" ? body : null,
      redirect: init?.redirect,
      signal: init?.signal instanceof AbortSignal,
    };
    calls.push(call);
    const handler = routes[url];
    if (!handler) throw new Error(`unexpected fetch to ${url}`);
    return handler(call, init);
  };
  return { fetcher, calls };
}

const ok = (body: BodyInit | null = "ok", headers: HeadersInit = {}): Handler => () => new Response(body, { headers });
const redirect = (location: string | null, status = 302): Handler => () =>
  new Response(null, { status, headers: location === null ? {} : { location } });

const PNG_BYTES = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 3, 8, 2, 0,
  0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
]);

/** A stream handing out `bytes` in pieces of `size`, so the consumer has to read several times. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
      if (at >= bytes.length) controller.close();
    },
  });
}

/** A lazily generated stream of `total` bytes that reports how much was produced and whether it was cancelled. */
function lazyStream(total: number, chunkSize: number) {
  const state = { produced: 0, cancelled: false };
  const chunk = new Uint8Array(chunkSize).fill(0x41);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const n = Math.min(chunkSize, total - state.produced);
        state.produced += n;
        controller.enqueue(n === chunkSize ? chunk : chunk.subarray(0, n));
        if (state.produced >= total) controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: number[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Uint8Array.from(parts);
    parts.push(...value);
  }
}

async function failure<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}

describe("fetchUserUrl: the guard runs before anything is sent", () => {
  it.each([
    "http://127.0.0.1/",
    "https://2130706433/",
    "https://[::ffff:169.254.169.254]/latest/meta-data/",
    "https://metadata.google.internal/",
    "https://user:pw@example.com/",
    "http://example.com/",
    "ftp://example.com/",
  ])("refuses %s without calling the fetcher", async (raw) => {
    const { fetcher, calls } = fakeFetch({});
    const err = await failure(fetchUserUrl(raw, PROD, { fetcher }), UrlRefused);
    expect(err.reason.length).toBeGreaterThan(0);
    expect(err.url).toBe(raw);
    expect(calls).toHaveLength(0);
  });

  it("fetches an allowed URL once, with manual redirects and a deadline", async () => {
    const { fetcher, calls } = fakeFetch({ "https://example.com/a.png": ok("hello") });
    const { response, url, redirects } = await fetchUserUrl("https://example.com/a.png", PROD, { fetcher });
    expect(await response.text()).toBe("hello");
    expect(url.href).toBe("https://example.com/a.png");
    expect(redirects).toBe(0);
    expect(calls).toEqual([expect.objectContaining({ method: "GET", redirect: "manual", signal: true })]);
  });

  it("fetches the normalised URL, never the raw string", async () => {
    const { fetcher, calls } = fakeFetch({ "https://example.com/a": ok() });
    await fetchUserUrl("  https://EXAMPLE.com\t/a", PROD, { fetcher });
    expect(calls.map((c) => c.url)).toEqual(["https://example.com/a"]);
  });

  it("lets loopback http through only under the development policy", async () => {
    const { fetcher, calls } = fakeFetch({ "http://127.0.0.1:8787/hook": ok("fine") });
    await failure(fetchUserUrl("http://127.0.0.1:8787/hook", PROD, { fetcher }), UrlRefused);
    expect(calls).toHaveLength(0);
    const { response } = await fetchUserUrl("http://127.0.0.1:8787/hook", DEV, { fetcher, method: "POST", body: "{}" });
    expect(await response.text()).toBe("fine");
    expect(calls).toHaveLength(1);
  });
});

describe("fetchUserUrl: redirects", () => {
  it("follows redirects, resolving relative Locations against the current URL", async () => {
    const { fetcher, calls } = fakeFetch({
      "https://a.example.com/start": redirect("/next", 301),
      "https://a.example.com/next": redirect("https://b.example.com/img.png", 307),
      "https://b.example.com/img.png": ok("final"),
    });
    const { response, url, redirects } = await fetchUserUrl("https://a.example.com/start", PROD, { fetcher });
    expect(await response.text()).toBe("final");
    expect(url.href).toBe("https://b.example.com/img.png");
    expect(redirects).toBe(2);
    expect(calls.map((c) => c.redirect)).toEqual(["manual", "manual", "manual"]);
  });

  it.each([
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/admin",
    "https://[::ffff:7f00:1]/",
    "https://0x7f.1/",
    "https://localhost./",
    "https://db.internal/",
    "http://example.com/downgraded",
  ])("refuses a redirect hop into %s and never fetches it", async (target) => {
    const { fetcher, calls } = fakeFetch({
      "https://a.example.com/": redirect("https://b.example.com/"),
      "https://b.example.com/": redirect(target, 301),
    });
    const err = await failure(fetchUserUrl("https://a.example.com/", PROD, { fetcher }), UrlRefused);
    expect(err.reason).toMatch(/^redirect 2 to /);
    expect(calls.map((c) => c.url)).toEqual(["https://a.example.com/", "https://b.example.com/"]);
  });

  it("under the development policy, still refuses a redirect from loopback into private space", async () => {
    const { fetcher, calls } = fakeFetch({ "http://127.0.0.1:8787/": redirect("http://192.168.0.1/") });
    await failure(fetchUserUrl("http://127.0.0.1:8787/", DEV, { fetcher }), UrlRefused);
    expect(calls).toHaveLength(1);
  });

  it("follows exactly 3 redirects and refuses a 4th", async () => {
    const chain = (length: number): Record<string, Handler> => {
      const routes: Record<string, Handler> = {};
      for (let i = 0; i < length; i++) routes[`https://r.example.com/${i}`] = redirect(`https://r.example.com/${i + 1}`);
      routes[`https://r.example.com/${length}`] = ok("end");
      return routes;
    };
    const three = fakeFetch(chain(3));
    const done = await fetchUserUrl("https://r.example.com/0", PROD, { fetcher: three.fetcher });
    expect(done.redirects).toBe(3);
    expect(await done.response.text()).toBe("end");

    const four = fakeFetch(chain(4));
    const err = await failure(fetchUserUrl("https://r.example.com/0", PROD, { fetcher: four.fetcher }), FetchFailed);
    expect(err.kind).toBe("too_many_redirects");
    expect(four.calls).toHaveLength(4);
    expect(four.calls.some((c) => c.url === "https://r.example.com/4")).toBe(false);
  });

  it("fails a redirect without a Location, or with an unusable one", async () => {
    const { fetcher } = fakeFetch({
      "https://a.example.com/none": redirect(null, 302),
      "https://a.example.com/bad": redirect("https://exa mple.com:99999/", 301),
    });
    const none = await failure(fetchUserUrl("https://a.example.com/none", PROD, { fetcher }), FetchFailed);
    expect(none).toMatchObject({ kind: "bad_redirect", status: 302 });
    expect(none.reason).toContain("without a Location");
    const bad = await failure(fetchUserUrl("https://a.example.com/bad", PROD, { fetcher }), FetchFailed);
    expect(bad).toMatchObject({ kind: "bad_redirect", status: 301 });
  });

  it("returns a 3xx that is not a redirect (304) as the final response", async () => {
    const { fetcher, calls } = fakeFetch({ "https://a.example.com/": () => new Response(null, { status: 304 }) });
    const { response } = await fetchUserUrl("https://a.example.com/", PROD, { fetcher });
    expect(response.status).toBe(304);
    expect(calls).toHaveLength(1);
  });

  it("turns a POST into a body-less GET on 303, replays it on 307, and drops credentials across origins", async () => {
    const { fetcher, calls } = fakeFetch({
      "https://hooks.example.com/a": redirect("https://hooks.example.com/b", 307),
      "https://hooks.example.com/b": redirect("https://other.example.net/c", 303),
      "https://other.example.net/c": ok(),
    });
    await fetchUserUrl("https://hooks.example.com/a", PROD, {
      fetcher,
      method: "POST",
      body: '{"event":"job.completed"}',
      headers: { "content-type": "application/json", authorization: "Bearer secret", "webhook-id": "msg_1" },
    });
    expect(calls.map((c) => [c.method, c.body])).toEqual([
      ["POST", '{"event":"job.completed"}'],
      ["POST", '{"event":"job.completed"}'],
      ["GET", null],
    ]);
    expect(calls[1]?.headers.get("authorization")).toBe("Bearer secret");
    expect(calls[2]?.headers.get("authorization")).toBeNull();
    expect(calls[2]?.headers.get("content-type")).toBeNull();
    expect(calls[2]?.headers.get("webhook-id")).toBe("msg_1");
  });
});

describe("fetchUserUrl: failures", () => {
  it("reports a network error as FetchFailed(network)", async () => {
    const fetcher: typeof fetch = async () => {
      throw new TypeError("connection refused");
    };
    const err = await failure(fetchUserUrl("https://example.com/", PROD, { fetcher }), FetchFailed);
    expect(err.kind).toBe("network");
    expect(err.reason).not.toContain("connection refused");
  });

  it("times out a server that never answers", async () => {
    const fetcher: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const started = Date.now();
    const err = await failure(fetchUserUrl("https://example.com/", PROD, { fetcher, timeoutMs: 50 }), FetchFailed);
    expect(err.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out a body that stalls after the headers", async () => {
    const stalled = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => undefined) });
    const { fetcher } = fakeFetch({ "https://example.com/slow": () => new Response(stalled) });
    const { response } = await fetchUserUrl("https://example.com/slow", PROD, { fetcher, timeoutMs: 50 });
    if (!response.body) throw new Error("expected a body");
    const err = await failure(drain(response.body), FetchFailed);
    expect(err.kind).toBe("timeout");
  });
});

describe("byte cap", () => {
  it("cuts a 26 MB body at the 25 MB default without reading it all", async () => {
    const total = 26 * 1024 * 1024;
    const chunkSize = 64 * 1024;
    const { stream, state } = lazyStream(total, chunkSize);
    const { fetcher } = fakeFetch({ "https://big.example.com/huge.png": () => new Response(stream) });
    const { response } = await fetchUserUrl("https://big.example.com/huge.png", PROD, { fetcher });
    if (!response.body) throw new Error("expected a body");
    const err = await failure(drain(response.body), FetchFailed);
    expect(err.kind).toBe("too_large");
    expect(state.produced).toBeGreaterThan(MAX_REFERENCE_BYTES);
    expect(state.produced).toBeLessThanOrEqual(MAX_REFERENCE_BYTES + 4 * chunkSize);
    expect(state.produced).toBeLessThan(total);
    expect(state.cancelled).toBe(true);
  });

  it("refuses a declared Content-Length beyond the cap before reading", async () => {
    const { stream, state } = lazyStream(10_000, 1_000);
    const { fetcher } = fakeFetch({
      "https://big.example.com/a": () => new Response(stream, { headers: { "content-length": "10000" } }),
    });
    const err = await failure(fetchUserUrl("https://big.example.com/a", PROD, { fetcher, maxBytes: 5_000 }), FetchFailed);
    expect(err.kind).toBe("too_large");
    expect(state.produced).toBeLessThanOrEqual(1_000);
  });

  it("passes a body of exactly maxBytes and fails one byte more", async () => {
    expect((await readCapped(chunked(new Uint8Array(1000), 300), 1000)).byteLength).toBe(1000);
    const err = await failure(readCapped(chunked(new Uint8Array(1001), 300), 1000), FetchFailed);
    expect(err.kind).toBe("too_large");
  });

  it("limitBytes reads only when pulled", async () => {
    const { stream, state } = lazyStream(1_000_000, 1_000);
    const limited = limitBytes(stream, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(state.produced).toBeLessThanOrEqual(1_000);
    const reader = limited.getReader();
    await reader.read();
    await reader.cancel();
    expect(state.produced).toBeLessThanOrEqual(3_000);
    expect(state.cancelled).toBe(true);
  });
});

describe("fetchReferenceImage", () => {
  it("sniffs the type from the bytes and still yields every byte", async () => {
    const { fetcher } = fakeFetch({
      "https://cdn.example.com/cat": () =>
        new Response(chunked(PNG_BYTES, 3), { headers: { "content-type": "application/octet-stream" } }),
    });
    const image = await fetchReferenceImage("https://cdn.example.com/cat", PROD, { fetcher });
    expect(image).toMatchObject({ contentType: "image/png", ext: "png" });
    expect(image.url.href).toBe("https://cdn.example.com/cat");
    expect(await collect(image.body)).toEqual(PNG_BYTES);
  });

  it("recognises jpeg and webp whatever the declared type", async () => {
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0xff, 0xd9]);
    const webp = Uint8Array.from([...new TextEncoder().encode("RIFF"), 20, 0, 0, 0, ...new TextEncoder().encode("WEBPVP8 ")]);
    const { fetcher } = fakeFetch({
      "https://cdn.example.com/j": ok(jpeg, { "content-type": "image/png", "content-length": String(jpeg.length) }),
      "https://cdn.example.com/w": ok(webp, { "content-type": "text/plain" }),
    });
    const j = await fetchReferenceImage("https://cdn.example.com/j", PROD, { fetcher });
    expect(j).toMatchObject({ contentType: "image/jpeg", ext: "jpg", contentLength: jpeg.length });
    expect(await collect(j.body)).toEqual(jpeg);
    const w = await fetchReferenceImage("https://cdn.example.com/w", PROD, { fetcher });
    expect(w).toMatchObject({ contentType: "image/webp", ext: "webp" });
    expect(await collect(w.body)).toEqual(webp);
  });

  it.each([
    ["an SVG served as image/png", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'],
    ["an HTML error page served as image/png", "<!doctype html><title>404</title>"],
    ["a GIF served as image/png", "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000"],
    ["an empty body", ""],
  ])("refuses %s", async (_name, body) => {
    const { fetcher } = fakeFetch({ "https://cdn.example.com/x.png": ok(body, { "content-type": "image/png" }) });
    const err = await failure(fetchReferenceImage("https://cdn.example.com/x.png", PROD, { fetcher }), FetchFailed);
    expect(err.kind).toBe("unsupported_image_type");
    expect(err.reason).toMatch(/unsupported image type/);
  });

  it("reports a non-2xx answer with its status", async () => {
    const { fetcher } = fakeFetch({ "https://cdn.example.com/gone.png": () => new Response("nope", { status: 404 }) });
    const err = await failure(fetchReferenceImage("https://cdn.example.com/gone.png", PROD, { fetcher }), FetchFailed);
    expect(err).toMatchObject({ kind: "http_status", status: 404 });
  });

  it("refuses a hostile URL without fetching", async () => {
    const { fetcher, calls } = fakeFetch({});
    await failure(fetchReferenceImage("https://0177.0.0.1/a.png", PROD, { fetcher }), UrlRefused);
    expect(calls).toHaveLength(0);
  });

  it("keeps the byte cap on the returned stream", async () => {
    const big = new Uint8Array(5_000);
    big.set(PNG_BYTES);
    const { fetcher } = fakeFetch({ "https://cdn.example.com/big.png": () => new Response(chunked(big, 512)) });
    const image = await fetchReferenceImage("https://cdn.example.com/big.png", PROD, { fetcher, maxBytes: 4_000 });
    const err = await failure(collect(image.body), FetchFailed);
    expect(err.kind).toBe("too_large");
  });
});
