import type { Reference } from "../../catalogue";
import { isDevelopment, type Env } from "../../env";
import type { Upload } from "../../files/uploads";
import { invalidField, invalidFields, type FieldError } from "../../lib/errors";
import type { Json } from "../../lib/json";
import { checkUrl } from "../../lib/ssrf";
import type { StreamedEdit } from "./json-edit-body";
import type { EditJsonRequest } from "./schemas";

// An edit's images as references: files and data: URLs become uploads (streamed into R2, never held twice), https
// URLs pass the SSRF guard and are fetched later by the job. The recorded input names uploads by id, not by bytes.

export interface EditInputs {
  references: Reference[];
  mask: Reference | null;
  input: Json;
  /**
   * Every R2 key the request wrote for this edit (its uploads), so that a refused request leaves nothing behind.
   * Whoever makes EditInputs fills it; one who fails part-way deletes what it wrote itself (forgetUploads) before
   * throwing. Once made, the route owns the keys: it deletes them when anything refuses or fails before admission
   * makes a new job of them (validation, 402, 429, 410, a bad mask, any throw), and when an Idempotency-Key replay
   * answers with the first request's job.
   */
  stored: string[];
}

function maskMustBePng(upload: Upload, path: string): void {
  if (upload.file.contentType !== "image/png") throw invalidField(path, `must be a png image, not ${upload.file.contentType}`);
}

/**
 * A validated JSON edit whose data: URLs were stored as it streamed in (json-edit-body.ts): each stands in the body
 * as a token `edit.dataUrls` resolves to its upload or its problem. Every field's problem is given at once.
 */
export function jsonEditInputs(env: Env, body: EditJsonRequest, edit: StreamedEdit): EditInputs {
  const errors: FieldError[] = [];
  const resolve = (raw: string, path: string): { ref: Reference; upload: Upload | null } | null => {
    const data = edit.dataUrls.get(raw);
    if (data && "upload" in data) return { ref: { kind: "upload", id: data.upload.id }, upload: data.upload };
    if (data) {
      if (data.problem.reason !== "invalid_request") throw data.problem;
      errors.push(...(data.problem.errors ?? []));
      return null;
    }
    const checked = checkUrl(raw, { allowLoopbackHttp: isDevelopment(env) });
    if (checked.ok) return { ref: { kind: "url", url: checked.url.href }, upload: null };
    errors.push({ path, message: `${raw.slice(0, 200)} is refused: ${checked.reason}; give an https URL or a data:image/…;base64 URL` });
    return null;
  };
  const images = body.images.map((item, i) => resolve(item.image_url, `images.${i}.image_url`));
  const mask = body.mask ? resolve(body.mask.image_url, "mask.image_url") : null;
  if (errors.length > 0) throw invalidFields(errors);
  if (mask?.upload) maskMustBePng(mask.upload, "mask.image_url");
  const named = (r: { ref: Reference } | null): Json => (r === null ? null : r.ref.kind === "url" ? r.ref.url : r.ref.id);
  return {
    references: images.map((r) => r!.ref),
    mask: mask?.ref ?? null,
    input: { ...(body as unknown as Record<string, Json>), images: images.map((r) => ({ image_url: named(r) })), ...(mask ? { mask: { image_url: named(mask) } } : {}) },
    stored: edit.stored,
  };
}
