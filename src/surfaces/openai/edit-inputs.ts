import type { Reference } from "../../catalogue";
import { isDevelopment, type Env } from "../../env";
import { storeClientUpload } from "../../files/client-upload";
import type { Upload } from "../../files/uploads";
import { fromBase64 } from "../../lib/crypto";
import { ApiError, type FieldError } from "../../lib/errors";
import type { Json } from "../../lib/json";
import { checkUrl } from "../../lib/ssrf";
import type { EditFormRequest, EditJsonRequest } from "./schemas";

// An edit's images as references: files and data: URLs become uploads (streamed into R2, never held twice), https
// URLs pass the SSRF guard and are fetched later by the job. The recorded input names uploads by id, not by bytes.

export interface EditInputs {
  references: Reference[];
  mask: Reference | null;
  input: Json;
}

const DATA_URL = /^data:image\/[a-z+.-]+;base64,/i;
/**
 * Base64 with its padding. One character class and a length check rather than a pattern of 4-character groups:
 * V8 backtracks through such groups on its stack, which overflows on data: URLs of a few megabytes.
 */
const isBase64 = (text: string): boolean => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
/** Base64 characters decoded per step: a multiple of 4, so every step stands alone (the whole was checked first). */
const DECODE_CHARS = 64 * 1024;

const refused = (path: string, message: string): ApiError => new ApiError("invalid_request", `${path}: ${message}`, { errors: [{ path, message }] });

function maskMustBePng(upload: Upload, path: string): void {
  if (upload.file.contentType !== "image/png") throw refused(path, `must be a png image, not ${upload.file.contentType}`);
}

function decodeDataUrl(url: string, start: number): ReadableStream<Uint8Array> {
  let at = start;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= url.length) return controller.close();
      const part = url.slice(at, at + DECODE_CHARS);
      at += DECODE_CHARS;
      controller.enqueue(fromBase64(part));
    },
  });
}

export async function formEditInputs(env: Env, accountId: string, body: EditFormRequest, now: number): Promise<EditInputs> {
  const { image, "image[]": images, mask, ...fields } = body;
  const files = [image ?? [], images ?? []].flat();
  const uploads: Upload[] = [];
  for (const file of files) uploads.push(await storeClientUpload(env.FILES, accountId, file.stream(), "image", now));
  const maskUpload = mask ? await storeClientUpload(env.FILES, accountId, mask.stream(), "mask", now) : null;
  if (maskUpload) maskMustBePng(maskUpload, "mask");
  return {
    references: uploads.map((u) => ({ kind: "upload", id: u.id })),
    mask: maskUpload ? { kind: "upload", id: maskUpload.id } : null,
    input: { ...(fields as Record<string, Json>), image: uploads.map((u) => u.id), ...(maskUpload ? { mask: maskUpload.id } : {}) },
  };
}

export async function jsonEditInputs(env: Env, accountId: string, body: EditJsonRequest, now: number): Promise<EditInputs> {
  const errors: FieldError[] = [];
  const resolve = async (raw: string, path: string): Promise<{ ref: Reference; upload: Upload | null } | null> => {
    const data = DATA_URL.exec(raw);
    if (data) {
      if (!isBase64(raw.slice(data[0].length))) {
        errors.push({ path, message: "is not valid base64" });
        return null;
      }
      const upload = await storeClientUpload(env.FILES, accountId, decodeDataUrl(raw, data[0].length), path, now);
      return { ref: { kind: "upload", id: upload.id }, upload };
    }
    const checked = checkUrl(raw, { allowLoopbackHttp: isDevelopment(env) });
    if (checked.ok) return { ref: { kind: "url", url: checked.url.href }, upload: null };
    errors.push({ path, message: `${raw.slice(0, 200)} is refused: ${checked.reason}; give an https URL or a data:image/…;base64 URL` });
    return null;
  };
  const images = [];
  for (const [i, item] of body.images.entries()) images.push(await resolve(item.image_url, `images.${i}.image_url`));
  const mask = body.mask ? await resolve(body.mask.image_url, "mask.image_url") : null;
  if (errors.length > 0) throw new ApiError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
  if (mask?.upload) maskMustBePng(mask.upload, "mask.image_url");
  const named = (r: { ref: Reference } | null): Json => (r === null ? null : r.ref.kind === "url" ? r.ref.url : r.ref.id);
  return {
    references: images.map((r) => r!.ref),
    mask: mask?.ref ?? null,
    input: { ...(body as unknown as Record<string, Json>), images: images.map((r) => ({ image_url: named(r) })), ...(mask ? { mask: { image_url: named(mask) } } : {}) },
  };
}
