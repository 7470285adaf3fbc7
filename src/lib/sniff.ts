import { svgRoot, svgSize } from "./svg";

// Image type and size from magic bytes; the declared Content-Type is never trusted. What clients send (uploads,
// reference images) is png, jpeg or webp only; models may also return gif and svg. SVG is refused from clients since
// it is a script-capable document, not just an image; imagegate serves the SVG a model made under a sandboxing CSP.

export type SniffedImage =
  | { contentType: "image/png"; ext: "png" }
  | { contentType: "image/jpeg"; ext: "jpg" }
  | { contentType: "image/webp"; ext: "webp" }
  | { contentType: "image/gif"; ext: "gif" }
  | { contentType: "image/svg+xml"; ext: "svg" };

export type ImageExt = SniffedImage["ext"];

/** What a client may send, as an upload or a reference image. */
export const INPUT_IMAGES = ["png", "jpg", "webp"] as const satisfies readonly ImageExt[];
/** What a model may make. */
export const OUTPUT_IMAGES = ["png", "jpg", "webp", "gif", "svg"] as const satisfies readonly ImageExt[];

export type Dimensions = { width: number; height: number };

/** Bytes enough for `sniffImage` to decide on a raster image; an SVG needs its prolog and root tag (`couldBeSvg`). */
export const SNIFF_BYTES = 12;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const ascii = (s: string): number[] => Array.from(s, (ch) => ch.charCodeAt(0));

const isPng = (b: Uint8Array): boolean => startsWith(b, PNG_SIGNATURE);
const isJpeg = (b: Uint8Array): boolean => startsWith(b, [0xff, 0xd8, 0xff]);
const isWebp = (b: Uint8Array): boolean => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8);
const isGif = (b: Uint8Array): boolean => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a"));

// Markup is read as UTF-8 (XML's default; a cut multi-byte character at the end only becomes U+FFFD).
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const svgAttributes = (b: Uint8Array): Record<string, string> | null => {
  const root = svgRoot(text(b));
  return typeof root === "object" ? root : null;
};

function sniffAny(bytes: Uint8Array, svg: boolean): SniffedImage | null {
  if (isPng(bytes)) return { contentType: "image/png", ext: "png" };
  if (isJpeg(bytes)) return { contentType: "image/jpeg", ext: "jpg" };
  if (isWebp(bytes)) return { contentType: "image/webp", ext: "webp" };
  if (isGif(bytes)) return { contentType: "image/gif", ext: "gif" };
  if (svg && svgAttributes(bytes)) return { contentType: "image/svg+xml", ext: "svg" };
  return null;
}

/** An image as clients may send it. */
export type InputImage = Extract<SniffedImage, { ext: (typeof INPUT_IMAGES)[number] }>;

/** The image type of the bytes (the start of a file) if it is one of `accept`: by default what a client may send. */
export function sniffImage(bytes: Uint8Array): InputImage | null;
export function sniffImage(bytes: Uint8Array, accept: readonly ImageExt[]): SniffedImage | null;
export function sniffImage(bytes: Uint8Array, accept: readonly ImageExt[] = INPUT_IMAGES): SniffedImage | null {
  const kind = sniffAny(bytes, accept.includes("svg"));
  return kind && accept.includes(kind.ext) ? kind : null;
}

/** Whether the bytes, the start of a file, end before deciding whether it is an SVG: more of it could make it one. */
export const couldBeSvg = (bytes: Uint8Array): boolean => svgRoot(text(bytes)) === "more";

const u16be = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u16le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, i: number): number => u16le(b, i) | ((b[i + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, i: number): number => ((u16be(b, i) << 16) | u16be(b, i + 2)) >>> 0;
const u32le = (b: Uint8Array, i: number): number => (u16le(b, i) | (u16le(b, i + 2) << 16)) >>> 0;

const sized = (width: number, height: number): Dimensions | null =>
  width > 0 && height > 0 ? { width, height } : null;

/** Width and height from the header of a png, jpeg, webp, gif or svg; null when unknown or truncated. */
export function imageDimensions(bytes: Uint8Array): Dimensions | null {
  if (isPng(bytes)) return pngDimensions(bytes);
  if (isJpeg(bytes)) return jpegDimensions(bytes);
  if (isWebp(bytes)) return webpDimensions(bytes);
  // GIF's logical screen: width and height (2 bytes each, LE) after the 6-byte signature.
  if (isGif(bytes)) return bytes.length < 10 ? null : sized(u16le(bytes, 6), u16le(bytes, 8));
  const svg = svgAttributes(bytes);
  return svg ? svgSize(svg) : null;
}

function pngDimensions(b: Uint8Array): Dimensions | null {
  // Signature (8), then the IHDR chunk: length (4), "IHDR", width (4, BE), height (4, BE).
  if (b.length < 24 || !startsWith(b, ascii("IHDR"), 12)) return null;
  return sized(u32be(b, 16), u32be(b, 20));
}

// Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
// Markers with no length field.
const isStandalone = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd8);

function jpegDimensions(b: Uint8Array): Dimensions | null {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1] ?? 0;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (isStandalone(marker)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before any frame header
    if (i + 4 > b.length) return null;
    const length = u16be(b, i + 2);
    if (length < 2) return null;
    if (isSof(marker)) {
      // FF Cn, length (2), precision (1), height (2), width (2).
      if (i + 9 > b.length) return null;
      return sized(u16be(b, i + 7), u16be(b, i + 5));
    }
    i += 2 + length;
  }
  return null;
}

function webpDimensions(b: Uint8Array): Dimensions | null {
  if (b.length < 25) return null;
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  const data = 20;
  switch (chunk) {
    case "VP8 ":
      // Lossy: frame tag (3), start code 9D 01 2A, then 14-bit width and height (2 scale bits above each).
      if (b.length < data + 10 || !startsWith(b, [0x9d, 0x01, 0x2a], data + 3)) return null;
      return sized(u16le(b, data + 6) & 0x3fff, u16le(b, data + 8) & 0x3fff);
    case "VP8L": {
      // Lossless: signature 0x2F, then width-1 and height-1 as consecutive 14-bit little-endian fields.
      if (b[data] !== 0x2f) return null;
      const bits = u32le(b, data + 1);
      return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    case "VP8X":
      // Extended: flags (1), reserved (3), canvas width-1 (3, LE), canvas height-1 (3, LE).
      if (b.length < data + 10) return null;
      return sized(u24le(b, data + 4) + 1, u24le(b, data + 7) + 1);
    default:
      return null;
  }
}
