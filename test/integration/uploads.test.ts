import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { MAX_UPLOAD_BYTES } from "../../src/files/uploads";
import { encodePng } from "../../src/lib/png";
import { api, createJob, runToEnd, sha256Hex } from "../helpers/api";
import { checkedLedger, mintAccount } from "../helpers/accounts";

// POST /v2/uploads: sniffed, capped, private, owned by one account, usable as input_images, swept when expired.

async function png(width = 8, height = 8): Promise<Uint8Array> {
  return new Uint8Array(await new Response(encodePng(width, height, {}, (y, row) => row.fill(y * 20))).arrayBuffer());
}

function form(bytes: Uint8Array | string, filename = "ref.png", type = "image/png"): FormData {
  const f = new FormData();
  f.append("file", new File([bytes], filename, { type }));
  return f;
}

const upload = (body: BodyInit, key?: string | null, headers: Record<string, string> = {}) =>
  api("/v2/uploads", { method: "POST", body, key, headers });

async function problem(res: Response, status: number): Promise<Record<string, any>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, any>;
}

interface Uploaded {
  id: string;
  url: string;
  contentType: string;
  byteSize: number;
  expiresAt: string;
}

describe("POST /v2/uploads", () => {
  it("stores a PNG privately and answers 201 with id, signed url, type, size and expiry", async () => {
    const { key, accountId } = await mintAccount();
    const bytes = await png();
    const res = await upload(form(bytes), key);
    expect(res.status).toBe(201);
    const body = (await res.json()) as Uploaded;
    expect(body.id).toMatch(/^upl_[0-9A-Za-z]{24}$/);
    expect(body.contentType).toBe("image/png");
    expect(body.byteSize).toBe(bytes.byteLength);
    const expires = Date.parse(body.expiresAt) - Date.now();
    expect(expires).toBeGreaterThan(23 * 3600 * 1000);
    expect(expires).toBeLessThanOrEqual(24 * 3600 * 1000);
    const object = await env.FILES.head(`uploads/${body.id}.png`);
    expect(object?.customMetadata).toMatchObject({ accountId, visibility: "private", sha256: await sha256Hex(bytes) });
    const url = new URL(body.url);
    expect(url.pathname).toBe(`/v2/files/uploads/${body.id}.png`);
    const file = await api(url.pathname + url.search, { key: null });
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  });

  it("judges the type by the bytes: JPEG and WebP pass whatever their name", async () => {
    const { key } = await mintAccount();
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
    const res = await upload(form(jpeg, "photo.bin", "application/octet-stream"), key);
    expect(res.status).toBe(201);
    expect(((await res.json()) as Uploaded).contentType).toBe("image/jpeg");
  });

  it.each([
    ["an SVG disguised as a PNG", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>', "image.png", "image/png"],
    ["an SVG with an XML prolog", '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "a.svg", "image/svg+xml"],
    ["a GIF", "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;", "a.gif", "image/gif"],
    ["HTML", "<html><script>alert(1)</script></html>", "x.png", "image/png"],
    ["an empty file", "", "x.png", "image/png"],
  ])("refuses %s with 415 and stores nothing", async (_name, content, filename, type) => {
    const { key } = await mintAccount();
    const before = (await env.FILES.list({ prefix: "uploads/" })).objects.length;
    expect((await problem(await upload(form(content, filename, type), key), 415)).code).toBe("unsupported_media_type");
    expect((await env.FILES.list({ prefix: "uploads/" })).objects.length).toBe(before);
  });

  it("refuses a body that is not multipart (415), a form without `file` (400) and a missing key (401)", async () => {
    const { key } = await mintAccount();
    expect((await problem(await upload(await png(), key, { "content-type": "image/png" }), 415)).code).toBe("unsupported_media_type");
    const noFile = new FormData();
    noFile.append("image", "x");
    expect((await problem(await upload(noFile, key), 400)).errors).toEqual([{ path: "file", message: "required: a file" }]);
    expect((await problem(await upload(form(await png()), null), 401)).code).toBe("unauthorized");
  });

  it("413s an upload over 25 MB: one byte over, a declared length far over, and a stream without a length", async () => {
    const { key } = await mintAccount();
    const head = await png();
    const oneOver = new Uint8Array(MAX_UPLOAD_BYTES + 1);
    oneOver.set(head);
    expect((await problem(await upload(form(oneOver), key), 413)).code).toBe("payload_too_large");
    const farOver = new Uint8Array(MAX_UPLOAD_BYTES + 256 * 1024);
    farOver.set(head);
    expect((await problem(await upload(form(farOver), key), 413)).code).toBe("payload_too_large");
    const encoded = new Response(form(farOver));
    const res = await upload(encoded.body!, key, { "content-type": encoded.headers.get("content-type")! });
    expect((await problem(res, 413)).code).toBe("payload_too_large");
  });

  it("makes uploads usable as input_images by id, for their owner only", async () => {
    const owner = await mintAccount({ credits: 100 });
    const other = await mintAccount({ credits: 100 });
    const { id } = (await (await upload(form(await png()), owner.key)).json()) as Uploaded;
    const body = (prompt: string, ref: string) => ({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low", input_images: [ref] } });
    const jobId = await createJob(body("uploads: mine", id), owner.key);
    expect((await runToEnd(jobId)).status).toBe("COMPLETED");
    const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(body("uploads: theirs", id)), key: other.key });
    const p = await problem(res, 400);
    expect(p.errors).toEqual([{ path: "input_images.0", message: expect.stringContaining(id) }]);
    const unknown = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(body("uploads: none", "upl_000000000000000000000000")), key: owner.key });
    expect((await problem(unknown, 400)).errors[0].path).toBe("input_images.0");
    const misshapen = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(body("uploads: short id", "upl_x")), key: owner.key });
    expect((await problem(misshapen, 400)).errors).toEqual([{ path: "input_images.0", message: expect.stringContaining("upl_x is not an upload id") }]);
    expect(await checkedLedger(other.accountId)).toEqual({ granted: 100, balance: 100, reserved: 0, spent: 0 });
  });

  it("refuses an expired upload at admission, and the cron sweep deletes it while keeping fresh ones", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const bytes = await png();
    const stale = (await (await upload(form(bytes), key)).json()) as Uploaded;
    const fresh = (await (await upload(form(bytes), key)).json()) as Uploaded;
    const object = (await env.FILES.get(`uploads/${stale.id}.png`))!;
    const metadata = { ...object.customMetadata, expiresAt: String(Date.now() - 1) };
    await env.FILES.put(`uploads/${stale.id}.png`, await object.arrayBuffer(), { customMetadata: metadata, httpMetadata: object.httpMetadata });
    const res = await api("/v2/images/generate", {
      method: "POST",
      body: JSON.stringify({ prompt: "uploads: expired", model: "gpt-image-2", gptImage2Params: { input_images: [stale.id] } }),
      key,
    });
    expect((await problem(res, 400)).errors[0].message).toMatch(/expired/);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await env.FILES.head(`uploads/${stale.id}.png`)).toBeNull();
    expect(await env.FILES.head(`uploads/${fresh.id}.png`)).not.toBeNull();
  });
});
