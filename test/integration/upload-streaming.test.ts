import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { storeUpload } from "../../src/files/uploads";
import { encodePng } from "../../src/lib/png";
import { BASE, api, sha256Hex, storedJob } from "../helpers/api";
import { mintAccount } from "../helpers/accounts";
import { activeModel } from "../helpers/models";

// Multipart bodies are read as streams and each file streamed into R2 as it arrives (src/lib/streams/multipart.ts):
// what is stored is what storing the same bytes whole gives (sha256, size, type, dimensions), on every route that
// takes files, for a file past the 8 MB part that storeImage writes as a multipart R2 upload too.

/** A PNG of noise (it does not deflate), so that its size is about width × height × 3. */
async function noisyPng(width: number, height: number): Promise<Uint8Array> {
  let x = width * 31 + height;
  const png = encodePng(width, height, {}, (_y, row) => {
    for (let i = 0; i < row.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      row[i] = x >>> 24;
    }
  });
  return new Uint8Array(await new Response(png).arrayBuffer());
}

/** What storing the bytes whole gives, less the key and upload id. */
async function reference(bytes: Uint8Array) {
  const upload = await storeUpload(env.FILES, "acct_reference", new Blob([bytes]).stream(), Date.now());
  await env.FILES.delete(upload.file.key);
  const { key: _key, ...file } = upload.file;
  return file;
}

async function storedAs(key: string, bytes: Uint8Array) {
  const object = await env.FILES.get(key);
  expect(object).not.toBeNull();
  const got = new Uint8Array(await object!.arrayBuffer());
  expect(got.length).toBe(bytes.length);
  expect(await sha256Hex(got)).toBe(await sha256Hex(bytes));
  const meta = object!.customMetadata!;
  return { width: Number(meta.width), height: Number(meta.height), contentType: object!.httpMetadata!.contentType, byteSize: object!.size, sha256: meta.sha256 };
}

describe("streamed multipart uploads", () => {
  it("store a file over 8 MB on /v2/uploads as storing it whole does", async () => {
    const { key } = await mintAccount();
    const bytes = await noisyPng(1800, 1700);
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    const form = new FormData();
    form.append("note", "a field before the file");
    form.append("file", new File([bytes], "big.png", { type: "image/png" }));
    form.append("after", "a field after it");
    const res = await api("/v2/uploads", { method: "POST", body: form, key });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; byteSize: number };
    expect(await storedAs(`uploads/${body.id}.png`, bytes)).toEqual(await reference(bytes));
    expect(body.byteSize).toBe(bytes.length);
  });

  it("store the Leonardo upload as storing it whole does", async () => {
    const { key } = await mintAccount();
    const bytes = await noisyPng(300, 200);
    const init = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension: "png" }), key });
    const { uploadInitImage } = (await init.json()) as { uploadInitImage: { id: string; fields: string; key: string } };
    const form = new FormData();
    for (const [name, value] of Object.entries(JSON.parse(uploadInitImage.fields) as Record<string, string>)) form.append(name, value);
    form.append("file", new File([bytes], "x.png", { type: "image/png" }));
    const res = await SELF.fetch(`${BASE}/api/rest/v1/init-image/upload`, { method: "POST", body: form });
    expect(res.status).toBe(204);
    expect(await storedAs(uploadInitImage.key, bytes)).toEqual(await reference(bytes));
  });

  it("store each file of a multipart edit as storing it whole does, the form's fields in any order", async () => {
    const { key } = await mintAccount({ credits: 1000 });
    const entry = activeModel();
    const images = [await noisyPng(64, 48), await noisyPng(40, 40)];
    const form = new FormData();
    form.append("image[]", new File([images[0]!], "a.png", { type: "image/png" }));
    form.append("prompt", `streamed edit ${crypto.randomUUID()}`);
    form.append("image[]", new File([images[1]!], "b.png", { type: "image/png" }));
    form.append("model", entry.id);
    const res = await api("/v1/images/edits", { method: "POST", body: form, key });
    expect(res.status).toBe(200);
    const rec = await storedJob(res.headers.get("x-imagegate-job-id")!);
    const ids = rec.spec.references.map((r) => (r as { id: string }).id);
    expect(ids).toHaveLength(2);
    for (const [i, bytes] of images.entries()) expect(await storedAs(`uploads/${ids[i]}.png`, bytes)).toEqual(await reference(bytes));
  });
});
