import type { Env } from "../../env";
import { storeClientUpload } from "../../files/client-upload";
import type { Upload } from "../../files/uploads";
import { ApiError, invalidField } from "../../lib/errors";
import type { Json } from "../../lib/json";
import { fieldEntries, formObject, readForm, type FormLimits } from "../../lib/streams/multipart-form";
import { validationHook } from "../../lib/validation";
import type { EditInputs } from "./edit-inputs";
import { EditFormRequest, type ImageRequestFields } from "./schemas";

// A multipart edit, read as a stream: each file part (image, image[], mask) is streamed into R2 as it arrives, the
// fields are kept, and the whole is then validated with EditFormRequest, each file standing in as an empty File of
// its name and type. A refused form leaves nothing in R2: what it stored is deleted before the refusal goes out; what
// the edit stored is also listed (`stored`) for the caller to delete if admission refuses it.

const FILE_FIELDS: ReadonlySet<string> = new Set(["image", "image[]", "mask"]);

/** Framing, headers and fields besides the files: prompts of 32 000 characters and a dozen small parameters. */
const FIELDS_BYTES = 256 * 1024;

export interface EditForm {
  /** The validated fields, each file counted (for the Idempotency-Key) by the sha256 of its bytes. */
  body: ImageRequestFields;
  inputs: EditInputs & { stored: string[] };
}

/** Reads, stores and validates a multipart edit of at most `maxBytes`; `tooLarge` is the route's 413. */
export async function readEditForm(env: Env, accountId: string, request: Request, now: number, maxBytes: number, tooLarge: () => ApiError): Promise<EditForm> {
  const limits: FormLimits = { maxParts: 64, maxHeaderBytes: 8 * 1024, maxFieldBytes: 128 * 1024, maxFieldsBytes: FIELDS_BYTES, maxTotalBytes: maxBytes };
  const files: [string, File][] = [];
  const uploads = new Map<File, Upload>();
  const discard = async (): Promise<void> => {
    if (uploads.size > 0) await env.FILES.delete([...uploads.values()].map((u) => u.file.key));
  };
  try {
    const fields = await readForm(request, limits, tooLarge, async (part) => {
      const stand = new File([], part.filename ?? "", { type: part.contentType ?? "" });
      files.push([part.name, stand]);
      // A file under another name is left unread: validation refuses it as an unknown parameter.
      if (!FILE_FIELDS.has(part.name)) return;
      const field = part.name === "mask" ? "mask" : "image";
      uploads.set(stand, await storeClientUpload(env.FILES, accountId, part.body, field, now));
    });
    const parsed = EditFormRequest.safeParse(formObject<string | File>([...fieldEntries(fields), ...files]));
    validationHook(parsed);
    return editForm(parsed.data!, uploads);
  } catch (err) {
    await discard();
    throw err;
  }
}

function editForm(form: EditFormRequest, uploads: Map<File, Upload>): EditForm {
  const { image, "image[]": images, mask, ...fields } = form;
  const uploadOf = (file: File): Upload => uploads.get(file)!;
  const stored = [image ?? [], images ?? []].flat().map(uploadOf);
  const maskUpload = mask ? uploadOf(mask) : null;
  if (maskUpload && maskUpload.file.contentType !== "image/png") throw invalidField("mask", `must be a png image, not ${maskUpload.file.contentType}`);
  const digest = (u: Upload): string => `sha256:${u.file.sha256}`;
  const body: ImageRequestFields & { image: string[]; mask?: string } = { ...fields, image: stored.map(digest), ...(maskUpload ? { mask: digest(maskUpload) } : {}) };
  return {
    body,
    inputs: {
      references: stored.map((u) => ({ kind: "upload", id: u.id })),
      mask: maskUpload ? { kind: "upload", id: maskUpload.id } : null,
      input: { ...(fields as Record<string, Json>), image: stored.map((u) => u.id), ...(maskUpload ? { mask: maskUpload.id } : {}) },
      stored: [...uploads.values()].map((u) => u.file.key),
    },
  };
}
