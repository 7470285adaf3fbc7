import type { Reference } from "../catalogue";
import { isDevelopment, type Env } from "../env";
import { fetchReferenceImage } from "../lib/reference-image";
import { INPUT_IMAGES } from "../lib/sniff";
import { findUpload } from "./uploads";

// Turns a reference image, however a surface named it, into bytes (for providers that take uploads) or into the
// R2 key imagegate holds it under (for providers that take URLs, via a signed imagegate URL).

/** Images imagegate generated are referenced as "<jobId>-<index>" (the Leonardo surface's generated_images[].id). */
export const generatedImageId = (jobId: string, index: number): string => `${jobId}-${index}`;
const GENERATED_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{1,2})$/;

export interface OpenedReference {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  ext: string;
  /** The R2 key when imagegate already holds the image. */
  key: string | null;
}

/** A reference the caller cannot use: missing, expired, another account's, or of a type no reference may be. */
export class ReferenceNotFound extends Error {}

const usableAsReference = (key: string): boolean => (INPUT_IMAGES as readonly string[]).includes(key.slice(key.lastIndexOf(".") + 1));

/** The R2 key of an upload or generated image the account owns; null for URL references. */
export async function referenceKey(env: Env, accountId: string, ref: Reference, now: number): Promise<string | null> {
  if (ref.kind === "url") return null;
  if (ref.kind === "upload") {
    const upload = await findUpload(env.FILES, accountId, ref.id, now);
    if (!upload) throw new ReferenceNotFound(`upload ${ref.id} does not exist, has expired, or is not yours`);
    return upload.key;
  }
  const match = GENERATED_ID.exec(ref.id);
  if (!match) throw new ReferenceNotFound(`${ref.id} is not an imagegate image id`);
  const { objects } = await env.FILES.list({ prefix: `jobs/${match[1]}/${match[2]}.`, limit: 1, include: ["customMetadata"] });
  const object = objects[0];
  // Ownership: the generating job's account is recorded on its files.
  if (!object || (object.customMetadata?.accountId && object.customMetadata.accountId !== accountId)) {
    throw new ReferenceNotFound(`generated image ${ref.id} does not exist or is not yours`);
  }
  // A model's gif or svg cannot be handed back as a reference: those are png, jpeg or webp only (SPEC §8).
  if (!usableAsReference(object.key)) throw new ReferenceNotFound(`generated image ${ref.id} is not a png, jpeg or webp image`);
  return object.key;
}

export interface HeldReference {
  ext: string;
  contentType: string | null;
  size: number;
  /** Streams its bytes; called only when they are sent (and again on a re-send). */
  open(): Promise<ReadableStream<Uint8Array>>;
}

/** An upload or generated image imagegate holds, described before it is read (URL references were copied before). */
export async function heldReference(env: Env, accountId: string, ref: Reference, now: number): Promise<HeldReference> {
  const key = await referenceKey(env, accountId, ref, now);
  const head = key === null ? null : await env.FILES.head(key);
  if (key === null || head === null) throw new ReferenceNotFound("a reference image is not held by imagegate");
  return {
    ext: key.slice(key.lastIndexOf(".") + 1),
    contentType: head.httpMetadata?.contentType ?? null,
    size: head.size,
    open: async () => {
      const object = await env.FILES.get(key);
      if (!object) throw new ReferenceNotFound("a reference image vanished");
      return object.body;
    },
  };
}

/** The reference's bytes: from R2 for uploads and generated images, through the SSRF guard for URLs. */
export async function openReference(env: Env, accountId: string, ref: Reference, now: number): Promise<OpenedReference> {
  if (ref.kind === "url") {
    const image = await fetchReferenceImage(ref.url, { allowLoopbackHttp: isDevelopment(env) });
    return { body: image.body, contentType: image.contentType, ext: image.ext, key: null };
  }
  const key = (await referenceKey(env, accountId, ref, now))!;
  const object = await env.FILES.get(key);
  if (!object) throw new ReferenceNotFound(`${ref.kind} ${ref.id} vanished`);
  const ext = key.slice(key.lastIndexOf(".") + 1);
  return { body: object.body, contentType: object.httpMetadata?.contentType ?? "application/octet-stream", ext, key };
}
