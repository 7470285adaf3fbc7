// Real PNG bytes of the requested size, painted deterministically from a seed text (prompt + image index); gif.ts and
// svg.ts paint the other formats with the same look (seedLook).
import { crc32 } from "node:zlib";
import { encodePng, type RowPainter } from "../../src/lib/png.ts";
import { sleep } from "./faults.ts";

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const rgb = (h: number): [number, number, number] => [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];

export type Paint = { block?: number; alpha?: boolean };

/** The two gradient colours and the number of bands every format paints for a seed. */
export function seedLook(seed: string): { a: [number, number, number]; b: [number, number, number]; bands: number } {
  return { a: rgb(hash32(seed)), b: rgb(hash32(`${seed}/b`)), bands: 4 + (hash32(`${seed}/n`) % 8) };
}

/** A band's brightness: the bands darken towards the top. */
export const bandShade = (band: number, bands: number): number => 0.55 + (0.45 * band) / bands;

/**
 * A horizontal gradient between two colours from the seed, in horizontal bands of varying brightness. Rows within a
 * band are identical, so even 3840×2160 deflates to a few kilobytes. `block` > 1 gives the coarse look of a partial;
 * `alpha` makes every other band fully transparent (RGBA).
 */
export function painter(width: number, height: number, seed: string, { block = 1, alpha = false }: Paint = {}): RowPainter {
  const { a, b, bands } = seedLook(seed);
  const stride = alpha ? 4 : 3;
  return (y, row) => {
    const band = Math.floor((y * bands) / height);
    const shade = bandShade(band, bands);
    for (let x = 0; x < width; x++) {
      const t = (x - (x % block)) / width;
      for (let k = 0; k < 3; k++) row[x * stride + k] = Math.round((a[k]! * (1 - t) + b[k]! * t) * shade);
      if (alpha) row[x * stride + 3] = band % 2 === 0 ? 255 : 0;
    }
  };
}

const cache = new Map<string, Uint8Array>();
const CACHE_SIZE = 32;

/** The rendered file for `key`, made once and kept among the most recent few (every format shares the cache). */
export async function cachedRender(key: string, make: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const bytes = await make();
  cache.set(key, bytes);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return bytes;
}

/** The whole PNG in memory (cached): the simulator serves it with a Content-Length and base64-encodes it for OpenAI. */
export function renderPng(width: number, height: number, seed: string, paint: Paint = {}): Promise<Uint8Array> {
  return cachedRender(`png/${width}x${height}/${paint.block ?? 1}/${paint.alpha ?? false}/${seed}`, async () =>
    new Uint8Array(await new Response(encodePng(width, height, { alpha: paint.alpha }, painter(width, height, seed, paint))).arrayBuffer()),
  );
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Sends `bytes`, all at once or trickled over `slowMs` in about 20 pieces (stops if the client goes away). */
export function trickle(bytes: Uint8Array, slowMs: number | undefined, signal: AbortSignal): ReadableStream<Uint8Array> | Uint8Array {
  if (slowMs === undefined) return bytes;
  const pieces = 20;
  const size = Math.ceil(bytes.length / pieces);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await sleep(slowMs / pieces, signal);
      if (signal.aborted) return controller.error(new Error("client went away"));
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
      if (offset >= bytes.length) controller.close();
    },
  });
}

export function pngResponse(bytes: Uint8Array, slowMs: number | undefined, signal: AbortSignal): Response {
  return new Response(trickle(bytes, slowMs, signal), {
    headers: {
      "content-type": "image/png",
      "content-length": String(bytes.length),
      "cache-control": "public, max-age=31536000",
    },
  });
}

export const notFoundImage = (): Response =>
  new Response("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>", {
    status: 404,
    headers: { "content-type": "application/xml" },
  });

/** png | jpeg | webp from magic bytes, or null. */
export function sniffImage(bytes: Uint8Array): "png" | "jpeg" | "webp" | null {
  const at = (i: number, s: number[]) => s.every((b, k) => bytes[i + k] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (at(0, [0xff, 0xd8, 0xff])) return "jpeg";
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return "webp";
  return null;
}

/** A short, URL-safe slug of a prompt, as Leonardo puts in its file names. */
export const slug = (text: string): string =>
  text.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40) || "image";

const PAD_PIECE = 1024 * 1024;

/**
 * The PNG grown to `total` bytes by a private ancillary chunk ("paDd", zeros) before IEND: still a valid PNG of the
 * same size, produced piece by piece so that not even the simulator holds it whole.
 */
export function paddedPng(png: Uint8Array, total: number): { body: ReadableStream<Uint8Array>; length: number } {
  const iend = png.subarray(png.length - 12);
  const head = png.subarray(0, png.length - 12);
  const padLength = Math.max(0, total - png.length - 12);
  const chunkHead = new Uint8Array(8);
  new DataView(chunkHead.buffer).setUint32(0, padLength);
  chunkHead.set([0x70, 0x61, 0x44, 0x64], 4); // "paDd"
  let crc = crc32(chunkHead.subarray(4));
  let sent = 0;
  let stage = 0;
  const zeros = new Uint8Array(PAD_PIECE);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 0) {
        controller.enqueue(head);
        controller.enqueue(chunkHead);
        stage = 1;
      } else if (stage === 1 && sent < padLength) {
        const piece = zeros.subarray(0, Math.min(PAD_PIECE, padLength - sent));
        crc = crc32(piece, crc);
        sent += piece.length;
        controller.enqueue(piece.slice());
      } else {
        const tail = new Uint8Array(4);
        new DataView(tail.buffer).setUint32(0, crc >>> 0);
        controller.enqueue(tail);
        controller.enqueue(iend);
        controller.close();
      }
    },
  });
  return { body, length: head.length + 8 + padLength + 4 + iend.length };
}

export function paddedPngResponse(png: Uint8Array, total: number): Response {
  const { body, length } = paddedPng(png, total);
  return new Response(body, { headers: { "content-type": "image/png", "content-length": String(length) } });
}
