import { env, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodePng } from "../../src/lib/png";
import { BASE, api } from "../helpers/api";
import { mintAccount } from "../helpers/accounts";
import { withVars } from "../helpers/vars";

// Uploads are metered (storage-gate.ts): a token of the key's create rate limit and room in the account's storage
// quota, both taken before anything is written; past either, 429, and R2 holds nothing of the refused upload.

afterEach(() => {
  vi.useRealTimers();
});

/** A PNG of about 12 KB (noise does not deflate), different per seed. */
async function png(seed: number): Promise<Uint8Array> {
  let x = seed + 1;
  const noise = encodePng(64, 64, {}, (_y, row) => {
    for (let i = 0; i < row.length; i++) row[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  });
  return new Uint8Array(await new Response(noise).arrayBuffer());
}

function form(bytes: Uint8Array): FormData {
  const f = new FormData();
  f.append("file", new File([bytes], "ref.png", { type: "image/png" }));
  return f;
}

const upload = async (key: string, seed = 0) => api("/v2/uploads", { method: "POST", body: form(await png(seed)), key });

/** The account's objects under uploads/ in R2. */
async function uploadsOf(accountId: string): Promise<string[]> {
  const { objects } = await env.FILES.list({ prefix: "uploads/", include: ["customMetadata"] });
  return objects.filter((o) => o.customMetadata?.accountId === accountId).map((o) => o.key);
}

async function storageOf(key: string): Promise<{ uploads: number; bytes: number; maxUploads: number; maxBytes: number }> {
  const res = await api("/v2/me", { key });
  expect(res.status).toBe(200);
  return ((await res.json()) as { storage: { uploads: number; bytes: number; maxUploads: number; maxBytes: number } }).storage;
}

async function leonardoUpload(key: string, bytes: Uint8Array): Promise<Response> {
  const init = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension: "png" }), key });
  const fields = JSON.parse(((await init.json()) as { uploadInitImage: { fields: string } }).uploadInitImage.fields) as Record<string, string>;
  const f = new FormData();
  for (const [name, value] of Object.entries(fields)) f.append(name, value);
  f.append("file", new File([bytes], "x.png", { type: "image/png" }));
  return SELF.fetch(`${BASE}/api/rest/v1/init-image/upload`, { method: "POST", body: f });
}

describe("upload metering", () => {
  it("takes a token of the key's rate limit per upload, and answers 429 with RateLimit headers past it", async () => {
    const { key, accountId } = await mintAccount({ requestsPerMinute: 2 });
    const first = await upload(key, 1);
    expect(first.status).toBe(201);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect((await upload(key, 2)).status).toBe(201);
    const limited = await upload(key, 3);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { code: string }).code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    // The Leonardo upload takes from the same bucket: the key that asked init-image for it.
    const leonardo = await leonardoUpload(key, await png(4));
    expect(leonardo.status).toBe(429);
    expect(leonardo.headers.get("retry-after")).not.toBeNull();
    expect(await uploadsOf(accountId)).toHaveLength(2);
    expect((await storageOf(key)).uploads).toBe(2);
  });

  it("lets exactly as many uploads of a concurrent burst through as the quota has room for", async () => {
    const { key, accountId } = await mintAccount({ requestsPerMinute: 100 });
    const statuses = await withVars({ STORAGE_MAX_UPLOADS: "3" }, async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => upload(key, i)));
      return Promise.all(
        answers.map(async (res) => {
          if (res.status === 429) expect(((await res.json()) as { detail: string }).detail).toMatch(/storage quota is 3 uploads/);
          else await res.body?.cancel();
          return res.status;
        }),
      );
    });
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(await uploadsOf(accountId)).toHaveLength(3);
  });

  it("refuses an upload past the byte quota, counting what is stored", async () => {
    const { key, accountId } = await mintAccount({ requestsPerMinute: 100 });
    const size = (await png(0)).length;
    // Room for two files and their framing (an upload reserves its declared length, then holds its size).
    const maxBytes = 2 * size + 1000;
    await withVars({ STORAGE_MAX_BYTES: String(maxBytes) }, async () => {
      expect((await upload(key, 1)).status).toBe(201);
      expect((await upload(key, 2)).status).toBe(201);
      const over = await upload(key, 3);
      expect(over.status).toBe(429);
      expect(((await over.json()) as { detail: string }).detail).toMatch(/holds 2 uploads of \d+ bytes/);
      expect(await storageOf(key)).toEqual({ uploads: 2, bytes: 2 * size, maxUploads: 500, maxBytes });
    });
    expect(await uploadsOf(accountId)).toHaveLength(2);
  });

  it("shows the quota in /v2/me and frees it when the uploads expire", async () => {
    const { key } = await mintAccount({ requestsPerMinute: 100 });
    expect(await storageOf(key)).toEqual({ uploads: 0, bytes: 0, maxUploads: 500, maxBytes: 2 * 1024 ** 3 });
    const sizes = [];
    for (const seed of [1, 2]) {
      const res = await upload(key, seed);
      sizes.push(((await res.json()) as { byteSize: number }).byteSize);
    }
    expect(await storageOf(key)).toMatchObject({ uploads: 2, bytes: sizes[0]! + sizes[1]! });
    await withVars({ STORAGE_MAX_UPLOADS: "2" }, async () => {
      expect((await upload(key, 3)).status).toBe(429);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 24 * 3600 * 1000 + 1000 });
      expect(await storageOf(key)).toMatchObject({ uploads: 0, bytes: 0 });
      expect((await upload(key, 4)).status).toBe(201);
    });
    expect(await storageOf(key)).toMatchObject({ uploads: 1 });
  });

  it("writes nothing and keeps no room for a refused upload", async () => {
    const { key, accountId } = await mintAccount({ requestsPerMinute: 100 });
    const missing = new FormData();
    missing.append("other", "no file here");
    expect((await api("/v2/uploads", { method: "POST", body: missing, key })).status).toBe(400);
    const gif = new FormData();
    gif.append("file", new File(["GIF89a not allowed"], "x.gif"));
    expect((await api("/v2/uploads", { method: "POST", body: gif, key })).status).toBe(415);
    // A whole file, then a form that lacks its closing "--": the file was stored, and is not kept.
    const res = new Response(form(await png(5)));
    const type = res.headers.get("content-type")!;
    const bytes = new Uint8Array(await res.arrayBuffer());
    const boundary = `--${/boundary=(.+)$/.exec(type)![1]}`;
    // One byte per character, so the text's indices are the bytes'.
    const end = new TextDecoder("latin1").decode(bytes).lastIndexOf(`${boundary}--`) + boundary.length;
    const cut = bytes.subarray(0, end);
    const truncated = await api("/v2/uploads", { method: "POST", body: cut, key, headers: { "content-type": type } });
    expect(truncated.status).toBe(400);
    expect(await uploadsOf(accountId)).toEqual([]);
    expect(await storageOf(key)).toMatchObject({ uploads: 0, bytes: 0 });
  });
});
