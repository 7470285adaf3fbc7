import type { Reference } from "../../catalogue";
import { callTimeoutMs, readAnswer, upstreamFetch, upstreamUrlAllowed } from "../http";
import { multipart } from "../multipart";
import { UpstreamError, type ProviderContext } from "../types";
import { PATHS, headers } from "./api";
import { leonardoError } from "./errors";
import { LeonardoInitImageAnswer } from "./wire";

// A reference image goes to Leonardo in two steps: POST /v1/init-image hands out a presigned S3 form, then the bytes
// (streamed from R2, the file part last, no Leonardo auth header) are POSTed to it. Its id is then used as UPLOADED.

const CONTENT_TYPES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", webp: "image/webp" };

export async function uploadReference(ref: Reference, ctx: ProviderContext, key: string, base: string): Promise<string> {
  const image = await ctx.openReference(ref);

  const init = await upstreamFetch(
    "leonardo",
    `${base}${PATHS.initImage}`,
    { method: "POST", headers: headers(key), body: JSON.stringify({ extension: image.ext }) },
    callTimeoutMs(ctx),
    "other",
  );
  if (!init.ok) throw await leonardoError(init, ctx.now);
  const { uploadInitImage } = await readAnswer("leonardo", init, LeonardoInitImageAnswer, "other");
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(uploadInitImage.fields) as Record<string, unknown>;
  } catch {
    throw new UpstreamError({ class: "retryable", message: "leonardo's upload form fields are not JSON" });
  }
  if (!upstreamUrlAllowed(uploadInitImage.url, base)) throw new UpstreamError({ class: "fatal", message: "leonardo handed out an upload URL we do not use" });

  const form = multipart(
    Object.entries(fields).map(([name, value]) => [name, String(value)]),
    [
      {
        name: "file",
        filename: `reference.${image.ext}`,
        contentType: CONTENT_TYPES[image.ext] ?? "application/octet-stream",
        size: image.size,
        open: image.open,
      },
    ],
  );
  const res = await upstreamFetch(
    "leonardo's upload storage",
    uploadInitImage.url,
    { method: "POST", headers: { "content-type": form.contentType }, body: form.body },
    callTimeoutMs(ctx),
    "other",
  );
  await res.body?.cancel();
  if (!res.ok) throw new UpstreamError({ class: "retryable", message: `leonardo's upload storage answered ${res.status}` });
  return uploadInitImage.id;
}
