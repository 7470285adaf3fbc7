import { SNIFF_BYTES, imageDimensions, sniffImage } from "../lib/sniff";
import { toHex } from "../lib/crypto";
import type { StoredFile } from "../jobs/record";

// Streams an image (png, jpeg or webp, sniffed) into R2 with its sha256, size, type and dimensions as custom metadata.
// Small images (the usual case) are buffered once and written in one put. Larger ones go through a multipart
// staging object and are then copied (streamed) into place, because R2 metadata is fixed when an object is
// written and the sha256 is known only at the end; memory stays at about one part whatever the image size.

const PART_BYTES = 8 * 1024 * 1024;
/** Enough of the start of an image to find its type and dimensions (a JPEG's frame header can follow EXIF data). */
const HEAD_BYTES = 64 * 1024;

export const jobFileKey = (jobId: string, index: number, ext: string): string => `jobs/${jobId}/${index}.${ext}`;

export interface StoreOptions {
  /** The object key, once the sniffed type gives the extension. */
  keyFor: (ext: string) => string;
  /** Custom metadata besides sha256, width and height. */
  metadata: Record<string, string>;
}

export class UnsupportedImage extends Error {}

function concat(chunks: Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export async function storeImage(bucket: R2Bucket, source: ReadableStream<Uint8Array>, opts: StoreOptions): Promise<StoredFile> {
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  const reader = source.getReader();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let total = 0;
  let kind: ReturnType<typeof sniffImage> = null;
  let head = new Uint8Array(0);
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  let key = "";

  const flushPart = async (): Promise<void> => {
    upload ??= await bucket.createMultipartUpload(`staging/${key}`);
    parts.push(await upload.uploadPart(parts.length + 1, concat(pending, pendingBytes)));
    pending = [];
    pendingBytes = 0;
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length === 0) continue;
      await hasher.write(value);
      if (head.length < HEAD_BYTES) head = concat([head, value.subarray(0, HEAD_BYTES - head.length)], Math.min(HEAD_BYTES, head.length + value.length));
      if (!kind && head.length >= SNIFF_BYTES) {
        kind = sniffImage(head);
        if (!kind) throw new UnsupportedImage("upstream image is not png, jpeg or webp");
        key = opts.keyFor(kind.ext);
      }
      pending.push(value);
      pendingBytes += value.length;
      total += value.length;
      if (pendingBytes >= PART_BYTES) await flushPart();
    }
    await hasher.close();
    kind ??= sniffImage(head);
    if (!kind) throw new UnsupportedImage("upstream image is empty or not png, jpeg or webp");
    key ||= opts.keyFor(kind.ext);
    const dims = imageDimensions(head);
    const sha256 = toHex(await digest.digest);
    const file: StoredFile = { key, width: dims?.width ?? null, height: dims?.height ?? null, contentType: kind.contentType, byteSize: total, sha256 };
    const options: R2PutOptions = {
      httpMetadata: { contentType: kind.contentType },
      customMetadata: { ...opts.metadata, sha256, width: String(file.width ?? ""), height: String(file.height ?? "") },
    };
    if (!upload) {
      await bucket.put(key, concat(pending, pendingBytes), options);
      return file;
    }
    if (pendingBytes > 0) await flushPart();
    await (upload as R2MultipartUpload).complete(parts);
    const staged = await bucket.get(`staging/${key}`);
    if (!staged) throw new Error("staged upload vanished");
    const fixed = new FixedLengthStream(staged.size);
    const [, put] = await Promise.all([staged.body.pipeTo(fixed.writable), bucket.put(key, fixed.readable, options)]);
    if (!put) throw new Error("R2 put failed");
    await bucket.delete(`staging/${key}`);
    return file;
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await (upload as R2MultipartUpload | null)?.abort().catch(() => undefined);
    throw err;
  }
}
