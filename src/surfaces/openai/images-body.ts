import type { OutputFormat } from "../../catalogue";
import type { Env } from "../../env";
import { mintFileUrl } from "../../files/signing";
import type { PartialImage } from "../../jobs/partials";
import type { StoredFile } from "../../files/stored-file";
import type { JobRecord } from "../../jobs/record";
import { now } from "../../lib/clock";
import { toBase64 } from "../../lib/crypto";
import { ChunkReader } from "../../lib/streams/chunk-reader";

// A finished job's images in OpenAI's shapes, as text chunks. An image the JobDO has just stored comes from its memory
// (`kept`, handed over with the ended job by the wait that saw it end); any other is read from R2 as a stream, in large
// reads (chunk-reader.ts: an R2 body's default reader gives 4 KB chunks, and the piece made of each cost more than its
// bytes), and base64'd a multiple of three bytes at a time, so no large image is ever held whole, let alone twice.

export type ImageFormat = "b64_json" | "url";
/** The bytes of the job's images its JobDO still kept when the job ended, by key. */
export type Kept = ReadonlyMap<string, Uint8Array>;
const NOTHING_KEPT: Kept = new Map();

const FORMATS: Record<string, OutputFormat> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/svg+xml": "svg",
};

/** The stream's bytes as base64 text, in chunks cut at multiples of three bytes. */
export async function* base64Of(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = new ChunkReader(body);
  let carry = new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let bytes = value;
      if (carry.length > 0) {
        bytes = new Uint8Array(carry.length + value.length);
        bytes.set(carry);
        bytes.set(value, carry.length);
      }
      const whole = bytes.length - (bytes.length % 3);
      if (whole > 0) yield toBase64(bytes.subarray(0, whole));
      carry = bytes.slice(whole);
    }
    if (carry.length > 0) yield toBase64(carry);
  } finally {
    reader.releaseLock();
  }
}

/** One image as the JSON member `"b64_json":"…"` (streamed) or `"url":"…"` (a signed imagegate URL). */
async function* imageMember(env: Env, rec: JobRecord, file: StoredFile, format: ImageFormat, keptImages: Kept): AsyncGenerator<string> {
  if (format === "url") {
    yield `"url":${JSON.stringify(await mintFileUrl(env, rec.origin, file.key, rec.public, now()))}`;
    return;
  }
  const kept = keptImages.get(file.key);
  if (kept) {
    yield `"b64_json":"${toBase64(kept)}"`;
    return;
  }
  const object = await env.FILES.get(file.key);
  if (!object) throw new Error(`image ${file.key} of job ${rec.id} is missing from R2`);
  yield '"b64_json":"';
  yield* base64Of(object.body);
  yield '"';
}

const sizeOf = (rec: JobRecord, file: StoredFile | undefined): string =>
  `${file?.width ?? rec.spec.width}x${file?.height ?? rec.spec.height}`;

/**
 * OpenAI's `usage`, where the job knows it: the token counts the delivering provider reported for the calls that made
 * the images (a fanned-out job sums its parts). Null when that provider reports none (every provider but OpenAI).
 */
export function usageOf(rec: JobRecord): { input_tokens: number; output_tokens: number; total_tokens: number } | null {
  const reported = rec.attempts.filter((a) => a.provider === rec.provider && a.outcome === "completed" && a.cost?.usage);
  if (reported.length === 0) return null;
  const sum = (pick: (u: { inputTokens: number; outputTokens: number; totalTokens: number }) => number) =>
    reported.reduce((total, a) => total + pick(a.cost!.usage!), 0);
  return { input_tokens: sum((u) => u.inputTokens), output_tokens: sum((u) => u.outputTokens), total_tokens: sum((u) => u.totalTokens) };
}

/** Opens a JSON object with `head`'s members, leaving it open for one more member. */
const open = (head: object): string => `${JSON.stringify(head).slice(0, -1)},`;

/** `{created, background?, output_format?, quality?, size?, usage?, data:[…]}`: what was asked where it was explicit, what was made. */
export async function* imagesResponse(env: Env, rec: JobRecord, format: ImageFormat, kept: Kept = NOTHING_KEPT): AsyncGenerator<string> {
  const first = rec.files[0];
  const { background, quality } = rec.spec;
  yield open({
    created: Math.floor(rec.createdAt / 1000),
    ...(background !== "auto" ? { background } : {}),
    ...(first && FORMATS[first.contentType] ? { output_format: FORMATS[first.contentType] } : {}),
    ...(quality !== "auto" ? { quality } : {}),
    size: sizeOf(rec, first),
    ...(usageOf(rec) ? { usage: usageOf(rec) } : {}),
  });
  yield '"data":[';
  for (const [i, file] of rec.files.entries()) {
    yield i === 0 ? "{" : ",{";
    yield* imageMember(env, rec, file, format, kept);
    yield "}";
  }
  yield "]}";
}

/** An SSE event carrying one image (the openai SDK's Image{Gen,Edit}{Completed,PartialImage}Event), as text chunks. */
async function* imageEvent(env: Env, rec: JobRecord, file: StoredFile, type: string, extra: object, format: ImageFormat, kept: Kept = NOTHING_KEPT): AsyncGenerator<string> {
  yield `event: ${type}\ndata: `;
  yield open({
    type,
    created_at: Math.floor(now() / 1000),
    background: rec.spec.background,
    output_format: FORMATS[file.contentType] ?? rec.spec.outputFormat,
    quality: rec.spec.quality,
    size: sizeOf(rec, file),
    ...extra,
  });
  yield* imageMember(env, rec, file, format, kept);
  yield "}\n\n";
}

/**
 * SSE `<prefix>.completed` events, one per image. OpenAI puts each image's usage on its event; imagegate knows a
 * job's usage as a whole, so it is there when the job made one image (and the provider reported it).
 */
export async function* completedEvents(env: Env, rec: JobRecord, format: ImageFormat, prefix: string, kept: Kept = NOTHING_KEPT): AsyncGenerator<string> {
  const usage = rec.files.length === 1 ? usageOf(rec) : null;
  for (const file of rec.files) yield* imageEvent(env, rec, file, `${prefix}.completed`, usage ? { usage } : {}, format, kept);
}

/** An SSE `<prefix>.partial_image` event: always base64, as OpenAI sends partials. */
export function partialEvent(env: Env, rec: JobRecord, partial: PartialImage, prefix: string): AsyncGenerator<string> {
  return imageEvent(env, rec, partial.file, `${prefix}.partial_image`, { partial_image_index: partial.partialIndex }, "b64_json");
}
