import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { mintFileUrl } from "../../src/files/signing";
import { api, createJob, runToEnd } from "../helpers/api";

// GET/HEAD /v2/files/*: signatures, conditional requests, ranges, caching.

let path: string; // signed path + query of a private file
let key: string;
let size: number;

const get = (p: string, headers: Record<string, string> = {}, method = "GET") => api(p, { method, headers, key: null });

beforeAll(async () => {
  const jobId = await createJob({ prompt: "files route", model: "gpt-image-2", gptImage2Params: { aspect_ratio: "1:1" } });
  const rec = await runToEnd(jobId);
  key = rec.files[0]!.key;
  size = rec.files[0]!.byteSize;
  const url = new URL(await mintFileUrl(env, "https://imagegate.test", key, false, Date.now()));
  path = url.pathname + url.search;
});

describe("files route", () => {
  it("serves a signed private file with its type, ETag and private immutable caching", async () => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(size));
    expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    expect(res.headers.get("etag")).toMatch(/^"/);
    expect((await res.arrayBuffer()).byteLength).toBe(size);
  });

  it("answers HEAD with headers and no body", async () => {
    const res = await get(path, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(size));
    expect(await res.text()).toBe("");
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const etag = (await get(path)).headers.get("etag")!;
    const res = await get(path, { "If-None-Match": etag });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(etag);
  });

  it("answers 206 with the requested bytes for a Range", async () => {
    const full = new Uint8Array(await (await get(path)).arrayBuffer());
    const res = await get(path, { Range: "bytes=8-23" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 8-23/${size}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(full.slice(8, 24));
    const suffix = await get(path, { Range: "bytes=-10" });
    expect(suffix.status).toBe(206);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(full.slice(-10));
  });

  it("refuses a private file without a signature, with an expired one and with a tampered one (403)", async () => {
    const bare = await get(`/v2/files/${key}`);
    expect(bare.status).toBe(403);
    expect(bare.headers.get("content-type")).toBe("application/problem+json");
    expect((await bare.json()) as object).toMatchObject({ status: 403, code: "forbidden" });

    const expiredUrl = new URL(await mintFileUrl(env, "https://x", key, false, Date.now() - 3 * 24 * 3600 * 1000));
    const expired = await get(expiredUrl.pathname + expiredUrl.search);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);

    const tampered = await get(path.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === "0" ? "1" : "0"}`));
    expect(tampered.status).toBe(403);
    const otherKey = await get(path.replace(/\/0\.png/, "/1.png"));
    expect([403, 404]).toContain(otherKey.status);
    const laterExp = await get(path.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 3600}`));
    expect(laterExp.status).toBe(403);
  });

  it("answers 404 for unknown files and malformed keys", async () => {
    const missingKey = "jobs/00000000-0000-0000-0000-000000000000/0.png";
    const url = new URL(await mintFileUrl(env, "https://x", missingKey, false, Date.now()));
    expect((await get(url.pathname + url.search)).status).toBe(404);
    expect((await get("/v2/files/../../etc/passwd")).status).toBe(404);
    expect((await get("/v2/files/staging/whatever.png")).status).toBe(404);
  });

  it("serves public files without a signature and with public caching", async () => {
    const jobId = await createJob({ prompt: "public one", model: "gpt-image-2", public: true });
    const rec = await runToEnd(jobId);
    const job = (await (await api(`/v2/jobs/${jobId}`)).json()) as { result: { images: string[] } };
    expect(job.result.images[0]).not.toContain("sig=");
    const res = await get(`/v2/files/${rec.files[0]!.key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });
});
