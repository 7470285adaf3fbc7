import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { storeImage, UnsupportedImage } from "../../src/files/store";
import { sha256Hex } from "../../src/lib/crypto";
import { encodePng } from "../../src/lib/png";

// storeImage: small images in one put; large ones part by part (every part but the last of one size, as R2 demands)
// through a staging object, from byte streams (read straight into the part buffer) and from chunked JS streams alike;
// an image held whole already (an OpenAI answer's decoded base64) in one put, stored as its stream would be.

const MiB = 1024 * 1024;
const PART = 8 * MiB;

async function smallPng(): Promise<Uint8Array> {
  const body = encodePng(320, 200, {}, (y, row) => row.fill(y & 0xff));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** A valid 320×200 PNG grown to exactly `total` bytes by a private chunk before IEND. */
async function pngOf(total: number): Promise<Uint8Array> {
  const png = await smallPng();
  const out = new Uint8Array(total);
  out.set(png.subarray(0, png.length - 12));
  const padLength = total - png.length - 12;
  const view = new DataView(out.buffer);
  view.setUint32(png.length - 12, padLength);
  out.set([0x70, 0x61, 0x44, 0x64], png.length - 8); // "paDd"
  out.set(png.subarray(png.length - 12), total - 12);
  return out;
}

/** A stream made in JavaScript (no BYOB reads) handing out `bytes` in chunks of the sizes given, in turn; counts pulls. */
function chunked(bytes: Uint8Array, sizes: number[], failAt = Infinity): { stream: ReadableStream<Uint8Array>; pulls: () => number } {
  let at = 0;
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= failAt) return controller.error(new Error("the upstream broke off"));
      if (at >= bytes.length) return controller.close();
      const size = sizes[pulls++ % sizes.length]!;
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
  return { stream, pulls: () => pulls };
}

const keyFor = (name: string) => (ext: string) => `test-store/${name}.${ext}`;
const store = (body: ReadableStream<Uint8Array> | Uint8Array, name: string) => storeImage(env.FILES, body, { keyFor: keyFor(name), metadata: { jobId: name } });

async function expectStored(name: string, bytes: Uint8Array): Promise<void> {
  const object = await env.FILES.get(`test-store/${name}.png`);
  expect(object).not.toBeNull();
  const stored = new Uint8Array(await object!.arrayBuffer());
  const sha256 = await sha256Hex(bytes);
  expect(stored.length).toBe(bytes.length);
  expect(await sha256Hex(stored)).toBe(sha256);
  expect(object!.httpMetadata?.contentType).toBe("image/png");
  expect(object!.customMetadata).toEqual({ jobId: name, sha256, width: "320", height: "200" });
  expect((await env.FILES.list({ prefix: `staging/test-store/${name}` })).objects).toEqual([]);
}

describe("storeImage", () => {
  it("stores a small image in one put with its sha256, type and dimensions", async () => {
    const bytes = await smallPng();
    const name = crypto.randomUUID();
    const file = await store(new Response(bytes).body!, name);
    expect(file).toEqual({ key: `test-store/${name}.png`, width: 320, height: 200, contentType: "image/png", byteSize: bytes.length, sha256: await sha256Hex(bytes) });
    await expectStored(name, bytes);
  });

  it("stores an image held whole as its stream is stored, handing the same bytes to keep", async () => {
    for (const bytes of [await smallPng(), await pngOf(MiB + 3)]) {
      const [streamed, whole] = [crypto.randomUUID(), crypto.randomUUID()];
      const kept: Uint8Array[] = [];
      const fromStream = await store(new Response(bytes).body!, streamed);
      const fromBytes = await storeImage(env.FILES, bytes, { keyFor: keyFor(whole), metadata: { jobId: whole }, keep: (_file, b) => void kept.push(b) });
      expect(fromBytes).toEqual({ ...fromStream, key: `test-store/${whole}.png` });
      expect(kept).toEqual([bytes]);
      await expectStored(whole, bytes);
    }
  });

  it("refuses a whole non-image, or one too short to tell, storing nothing", async () => {
    for (const bytes of [new Uint8Array(4096).fill(0x41), (await smallPng()).subarray(0, 4)]) {
      const name = crypto.randomUUID();
      await expect(store(bytes, name)).rejects.toBeInstanceOf(UnsupportedImage);
      expect((await env.FILES.list({ prefix: `test-store/${name}` })).objects).toEqual([]);
    }
  });

  it("stores a medium image, for which the buffer grows, in one put", async () => {
    for (const size of [128 * 1024, 128 * 1024 + 1, MiB + 3]) {
      const bytes = await pngOf(size);
      const name = crypto.randomUUID();
      expect((await store(chunked(bytes, [4096, 100_000, 7]).stream, name)).byteSize).toBe(size);
      await expectStored(name, bytes);
    }
  });

  it("stores a large image from a byte stream (BYOB) in equal parts", async () => {
    const bytes = await pngOf(2 * PART + 12345);
    const name = crypto.randomUUID();
    const file = await store(new Response(bytes).body!, name);
    expect(file.byteSize).toBe(bytes.length);
    await expectStored(name, bytes);
  });

  it("stores a large image from chunks that do not divide the part size", async () => {
    const bytes = await pngOf(3 * PART + 777);
    const name = crypto.randomUUID();
    const file = await store(chunked(bytes, [1_000_003, 65_536, 333_333, 2_000_000, 12_345]).stream, name);
    expect(file.sha256).toBe(await sha256Hex(bytes));
    await expectStored(name, bytes);
  });

  it("stores an image of exactly one part", async () => {
    const bytes = await pngOf(PART);
    const name = crypto.randomUUID();
    await store(chunked(bytes, [65_536]).stream, name);
    await expectStored(name, bytes);
  });

  it("refuses a non-image after its first chunk, storing nothing", async () => {
    const name = crypto.randomUUID();
    const source = chunked(new Uint8Array(3 * PART).fill(0x41), [64 * 1024]);
    await expect(store(source.stream, name)).rejects.toBeInstanceOf(UnsupportedImage);
    expect(source.pulls()).toBeLessThanOrEqual(2);
    expect((await env.FILES.list({ prefix: `test-store/${name}` })).objects).toEqual([]);
  });

  it("leaves neither the object nor a staging upload when the source breaks off after a part", async () => {
    const bytes = await pngOf(3 * PART);
    const name = crypto.randomUUID();
    await expect(store(chunked(bytes, [MiB], PART + 2 * MiB).stream, name)).rejects.toThrow("the upstream broke off");
    expect((await env.FILES.list({ prefix: `test-store/${name}` })).objects).toEqual([]);
    expect((await env.FILES.list({ prefix: `staging/test-store/${name}` })).objects).toEqual([]);
  });
});
