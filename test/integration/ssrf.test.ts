import { createExecutionContext, env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { openReference } from "../../src/files/references";
import { UrlRefused } from "../../src/lib/fetch-errors";
import { nativeToJobRequest } from "../../src/surfaces/native/to-spec";
import { GenerateRequest } from "../../src/surfaces/native/schemas";
import { api, BASE } from "../helpers/api";
import { checkedLedger, mintAccount } from "../helpers/accounts";

// Every user-supplied URL passes the one SSRF guard at admission, through the HTTP API, and nothing is fetched;
// references fetched later go through safe-fetch, which re-checks every redirect hop.

const PROBE = "ssrf-probe";

/** Refused everywhere, local development included. Each carries PROBE so a fetch of it would show in the simulator. */
const HOSTILE = [
  `http://example.com/${PROBE}`,
  `ftp://example.com/${PROBE}`,
  `file:///etc/${PROBE}`,
  `gopher://example.com/${PROBE}`,
  `ws://example.com/${PROBE}`,
  "data:image/png;base64,iVBORw0KGgo=",
  "javascript:alert(1)",
  `https://user:pass@example.com/${PROBE}`,
  `https://user@example.com/${PROBE}`,
  `https://:pass@example.com/${PROBE}`,
  `https://10.0.0.1/${PROBE}`,
  `https://10.255.255.255/${PROBE}`,
  `https://172.16.0.1/${PROBE}`,
  `https://172.31.255.255/${PROBE}`,
  `https://192.168.1.1/${PROBE}`,
  `https://192.168.0.1./${PROBE}`,
  `https://169.254.169.254/latest/meta-data/${PROBE}`,
  `https://169.254.169.254./${PROBE}`,
  `https://169.254.0.1/${PROBE}`,
  `https://100.64.0.1/${PROBE}`,
  `https://100.100.100.200/${PROBE}`,
  `https://100.127.255.254/${PROBE}`,
  `https://0.0.0.0/${PROBE}`,
  `https://0/${PROBE}`,
  `https://224.0.0.1/${PROBE}`,
  `https://239.255.255.250/${PROBE}`,
  `https://240.0.0.1/${PROBE}`,
  `https://255.255.255.255/${PROBE}`,
  `https://192.0.0.1/${PROBE}`,
  `https://192.0.2.1/${PROBE}`,
  `https://198.18.0.1/${PROBE}`,
  `https://198.51.100.1/${PROBE}`,
  `https://203.0.113.1/${PROBE}`,
  `https://2852039166/${PROBE}`,
  `https://0xA9FEA9FE/${PROBE}`,
  `https://0251.0376.0251.0376/${PROBE}`,
  `https://0xa9.0xfe.0xa9.0xfe/${PROBE}`,
  `https://169.254.43518/${PROBE}`,
  `https://10.1/${PROBE}`,
  `https://167772161/${PROBE}`,
  `https://012.0.0.1/${PROBE}`,
  `https://%31%30.0.0.1/${PROBE}`,
  `https://\u2460\u24ea.0.0.1/${PROBE}`,
  `https://[::ffff:169.254.169.254]/${PROBE}`,
  `https://[::ffff:a9fe:a9fe]/${PROBE}`,
  `https://[::ffff:10.0.0.1]/${PROBE}`,
  `https://[::ffff:127.0.0.1]/${PROBE}`,
  `https://[64:ff9b::a9fe:a9fe]/${PROBE}`,
  `https://[2002:a9fe:a9fe::]/${PROBE}`,
  `https://[fe80::1]/${PROBE}`,
  `https://[fc00::1]/${PROBE}`,
  `https://[fd00:ec2::254]/${PROBE}`,
  `https://[ff02::1]/${PROBE}`,
  `https://[::]/${PROBE}`,
  `https://metadata.google.internal/${PROBE}`,
  `https://metadata.google.internal./${PROBE}`,
  `https://metadata/${PROBE}`,
  `https://instance-data/${PROBE}`,
  `https://printer.local/${PROBE}`,
  `https://db.internal/${PROBE}`,
  `https://intranet/${PROBE}`,
  `https://127.0.0.1.nip.io/${PROBE}`,
  `https://10.0.0.1.sslip.io/${PROBE}`,
  `https://app.localhost/${PROBE}`,
  `https://10.0.0.1:8443/${PROBE}`,
];

/** Loopback: allowed for local development (npm start, tests), refused in production in every spelling. */
const LOOPBACK = [
  `http://127.0.0.1/${PROBE}`,
  `https://127.0.0.1/${PROBE}`,
  `https://127.1/${PROBE}`,
  `https://2130706433/${PROBE}`,
  `https://0x7f000001/${PROBE}`,
  `https://017700000001/${PROBE}`,
  `https://0x7f.1/${PROBE}`,
  `https://localhost/${PROBE}`,
  `https://LOCALHOST./${PROBE}`,
  `http://[::1]/${PROBE}`,
  `https://[0:0:0:0:0:0:0:1]/${PROBE}`,
];

const generate = (extra: Record<string, unknown>, params: Record<string, unknown> = {}) =>
  JSON.stringify({ prompt: "ssrf", model: "gpt-image-2", gptImage2Params: { quality: "low", ...params }, ...extra });

async function expectRefused(res: Response, path: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { code: string; errors: { path: string; message: string }[] };
  expect(body.code).toBe("invalid_request");
  expect(body.errors.map((e) => e.path)).toContain(path);
}

async function probesFetched(): Promise<unknown[]> {
  return (await (await fetch(`https://sim.test/_sim/unexpected?match=${PROBE}`)).json()) as unknown[];
}

describe("SSRF guard at admission, through the HTTP API", () => {
  it("has a table of at least 50 hostile URLs", () => {
    expect(HOSTILE.length + LOOPBACK.length).toBeGreaterThanOrEqual(70);
    expect(new Set(HOSTILE).size).toBe(HOSTILE.length);
  });

  it.each(HOSTILE)("refuses %s as webhookUrl and as an input image, fetching nothing", async (url) => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const post = (raw: string) => api("/v2/images/generate", { method: "POST", body: raw, key });
    await expectRefused(await post(generate({ webhookUrl: url })), "webhookUrl");
    await expectRefused(await post(generate({}, { input_images: [url] })), "input_images.0");
    await expectRefused(await post(generate({}, { input_images: ["https://example.com/ok.png", url] })), "input_images.1");
    expect(await checkedLedger(accountId)).toEqual({ granted: 100, balance: 100, reserved: 0, spent: 0 });
    expect(await probesFetched()).toEqual([]);
  });

  it.each(LOOPBACK)("refuses loopback %s in production (both fields), fetching nothing", async (url) => {
    const { key } = await mintAccount({ credits: 100 });
    const production = { ...env, ENVIRONMENT: "production" };
    const post = (raw: string) =>
      worker.fetch(
        new Request(`${BASE}/v2/images/generate`, { method: "POST", body: raw, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }),
        production,
        createExecutionContext(),
      );
    await expectRefused(await post(generate({ webhookUrl: url })), "webhookUrl");
    await expectRefused(await post(generate({}, { input_images: [url] })), "input_images.0");
    expect(await probesFetched()).toEqual([]);
  });

  it("lets loopback through only for local development", () => {
    const body = GenerateRequest.parse(JSON.parse(generate({ webhookUrl: "http://127.0.0.1:8789/hook" }, { input_images: ["http://localhost:8789/a.png"] })));
    expect(nativeToJobRequest(body, { ...env, ENVIRONMENT: "development" }).webhook?.url).toBe("http://127.0.0.1:8789/hook");
    expect(() => nativeToJobRequest(body, { ...env, ENVIRONMENT: "production" })).toThrow(/refused/);
  });
});

describe("SSRF guard on reference downloads (redirects re-checked at every hop)", () => {
  afterEach(() => vi.restoreAllMocks());

  /** A hostile public server: each URL answers with a redirect to the next; records every fetch. */
  function hostileServer(chain: Record<string, string>): string[] {
    const fetched: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      fetched.push(url);
      const next = chain[url];
      return next ? new Response(null, { status: 302, headers: { location: next } }) : new Response("not found", { status: 404 });
    });
    return fetched;
  }

  it.each([
    ["the metadata service", "http://169.254.169.254/latest/meta-data/iam/"],
    ["a private address in hex", "https://0x0a000001/"],
    ["a mapped IPv6 private address", "https://[::ffff:192.168.0.1]/admin"],
    ["an internal name", "https://metadata.google.internal/computeMetadata/v1/"],
  ])("refuses a redirect chain into %s and never fetches it", async (_name, target) => {
    const fetched = hostileServer({
      "https://images.example.com/cat.png": "https://cdn.example.net/cat.png",
      "https://cdn.example.net/cat.png": target,
    });
    const ref = { kind: "url" as const, url: "https://images.example.com/cat.png" };
    const err = await openReference(env, "acct_x", ref, Date.now()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UrlRefused);
    expect((err as UrlRefused).reason).toMatch(/^redirect 2 to /);
    expect(fetched).toEqual(["https://images.example.com/cat.png", "https://cdn.example.net/cat.png"]);
  });

  it("refuses a redirect to loopback in production", async () => {
    const fetched = hostileServer({ "https://images.example.com/dog.png": "http://127.0.0.1:8787/v2/files/x" });
    const ref = { kind: "url" as const, url: "https://images.example.com/dog.png" };
    const err = await openReference({ ...env, ENVIRONMENT: "production" }, "acct_x", ref, Date.now()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UrlRefused);
    expect(fetched).toEqual(["https://images.example.com/dog.png"]);
  });
});
