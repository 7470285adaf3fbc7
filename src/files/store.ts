import { INPUT_IMAGES, SNIFF_BYTES, couldBeSvg, imageDimensions, sniffImage, type ImageExt, type SniffedImage } from "../lib/sniff";
import { toHex } from "../lib/crypto";
import { ByteReader, type Bytes } from "../lib/streams/byte-reader";
import type { StoredFile } from "./stored-file";

// Streams an image (sniffed: png, jpeg or webp; gif and svg too where a model made it) into R2 with its sha256, size,
// type and dimensions as custom metadata. The image is read into one buffer of at most a part: an image that fits is
// written in one put (the usual case). A larger one goes part by part, the buffer reused, into a multipart staging
// object and is then copied (streamed by the runtime) into place, because R2 metadata is fixed when an object is
// written and the sha256 is known only at the end. Memory stays at one part whatever the image size; a byte stream (a
// fetch body) is read straight into the buffer (BYOB), so not even its chunks are allocated.

const PART_BYTES = 8 * 1024 * 1024;
/** The buffer starts at this and grows fourfold up to a part: most images are far smaller than a part. */
const FIRST_BYTES = 128 * 1024;
/**
 * Enough of the start of an image to find its type and dimensions (a JPEG's frame header can follow EXIF data, an
 * SVG's root element its XML prolog).
 */
const HEAD_BYTES = 64 * 1024;

export const jobFileKey = (jobId: string, index: number, ext: string): string => `jobs/${jobId}/${index}.${ext}`;

export interface StoreOptions {
  /** The object key, once the sniffed type gives the extension. */
  keyFor: (ext: string) => string;
  /** Custom metadata besides sha256, width and height. */
  metadata: Record<string, string>;
  /** The image types to take; by default what a client may send (png, jpeg, webp). */
  accept?: readonly ImageExt[];
  /** Handed an image written in one put (it was held whole anyway), for a caller that answers with its bytes. */
  keep?: (file: StoredFile, bytes: Uint8Array) => void;
}

export class UnsupportedImage extends Error {}

/** A ByteReader that fills whole buffers, handing every byte read to `seen` once. */
class PartReader {
  private readonly reader: ByteReader;

  constructor(
    source: ReadableStream<Uint8Array>,
    private readonly seen: (bytes: Uint8Array) => Promise<void>,
  ) {
    this.reader = new ByteReader(source);
  }

  /** Fills `buffer` from `filled` on; returns its filled start, shorter than the buffer only at the end of the stream. */
  async fill(buffer: Bytes, filled = 0): Promise<Bytes> {
    while (filled < buffer.length) {
      const read = await this.reader.read(buffer, filled);
      buffer = new Uint8Array(read.buffer);
      if (read.length === 0) break;
      await this.seen(read);
      filled += read.length;
    }
    return buffer.subarray(0, filled);
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

const unsupported = (accept: readonly ImageExt[]) => new UnsupportedImage(`image is empty or not ${accept.join(", ").replace("jpg", "jpeg")}`);

/** The file an image makes, and the R2 options that store its metadata with it. */
function described(key: string, byteSize: number, kind: SniffedImage, head: Uint8Array, sha256: string, opts: StoreOptions): { file: StoredFile; options: R2PutOptions } {
  const dims = imageDimensions(head);
  const file: StoredFile = { key, width: dims?.width ?? null, height: dims?.height ?? null, contentType: kind.contentType, byteSize, sha256 };
  const options: R2PutOptions = {
    httpMetadata: { contentType: kind.contentType },
    customMetadata: { ...opts.metadata, sha256, width: String(file.width ?? ""), height: String(file.height ?? "") },
  };
  return { file, options };
}

/**
 * Stores an image into R2 as described above: one held whole already (an answer's decoded base64) is hashed and
 * written at once, with no stream between; a stream is read as it comes.
 */
export function storeImage(bucket: R2Bucket, source: ReadableStream<Uint8Array> | Uint8Array, opts: StoreOptions): Promise<StoredFile> {
  return source instanceof Uint8Array ? storeWhole(bucket, source, opts) : storeStream(bucket, source, opts);
}

async function storeWhole(bucket: R2Bucket, bytes: Uint8Array, opts: StoreOptions): Promise<StoredFile> {
  const accept = opts.accept ?? INPUT_IMAGES;
  const head = bytes.subarray(0, HEAD_BYTES);
  const kind = bytes.length >= SNIFF_BYTES ? sniffImage(head, accept) : null;
  if (!kind) throw unsupported(accept);
  const sha256 = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
  const { file, options } = described(opts.keyFor(kind.ext), bytes.length, kind, head, sha256, opts);
  await bucket.put(file.key, bytes, options);
  opts.keep?.(file, bytes);
  return file;
}

async function storeStream(bucket: R2Bucket, source: ReadableStream<Uint8Array>, opts: StoreOptions): Promise<StoredFile> {
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  const head = new Uint8Array(HEAD_BYTES);
  let total = 0;
  const accept = opts.accept ?? INPUT_IMAGES;
  const sniffed: { kind: SniffedImage | null } = { kind: null };
  const reader = new PartReader(source, async (bytes) => {
    await hasher.write(bytes);
    if (total < HEAD_BYTES) head.set(bytes.subarray(0, HEAD_BYTES - total), total);
    total += bytes.length;
    // Refused as soon as its first bytes are in, not after a whole part has been read; an SVG's prolog may take more.
    if (sniffed.kind || total < SNIFF_BYTES) return;
    const start = head.subarray(0, Math.min(total, HEAD_BYTES));
    sniffed.kind = sniffImage(start, accept);
    if (!sniffed.kind && !(accept.includes("svg") && total < HEAD_BYTES && couldBeSvg(start))) throw unsupported(accept);
  });
  let upload: R2MultipartUpload | null = null;

  try {
    let part = await reader.fill(new Uint8Array(FIRST_BYTES));
    while (part.length === part.buffer.byteLength && part.length < PART_BYTES) {
      const bigger = new Uint8Array(Math.min(4 * part.length, PART_BYTES));
      bigger.set(part);
      part = await reader.fill(bigger, part.length);
    }
    // An SVG whose prolog outlasted the stream's first chunks is decided on all of its start.
    const kind = sniffed.kind ?? (total >= SNIFF_BYTES ? sniffImage(head.subarray(0, Math.min(total, HEAD_BYTES)), accept) : null);
    if (!kind) throw unsupported(accept);
    const key = opts.keyFor(kind.ext);
    const parts: R2UploadedPart[] = [];
    if (part.length === PART_BYTES) {
      upload = await bucket.createMultipartUpload(`staging/${key}`);
      // R2 wants every part but the last of one size: each is a full buffer.
      while (part.length > 0) {
        parts.push(await upload.uploadPart(parts.length + 1, part));
        if (part.length < PART_BYTES) break;
        part = await reader.fill(new Uint8Array(part.buffer));
      }
    }
    await hasher.close();
    const sha256 = toHex(await digest.digest);
    const { file, options } = described(key, total, kind, head.subarray(0, Math.min(total, HEAD_BYTES)), sha256, opts);
    if (!upload) {
      await bucket.put(key, part, options);
      opts.keep?.(file, part);
      return file;
    }
    await upload.complete(parts);
    const staged = await bucket.get(`staging/${key}`);
    if (!staged) throw new Error("staged upload vanished");
    const fixed = new FixedLengthStream(staged.size);
    const [, put] = await Promise.all([staged.body.pipeTo(fixed.writable), bucket.put(key, fixed.readable, options)]);
    if (!put) throw new Error("R2 put failed");
    await bucket.delete(`staging/${key}`);
    return file;
  } catch (err) {
    await reader.cancel();
    await (upload as R2MultipartUpload | null)?.abort().catch(() => undefined);
    throw err;
  }
}
