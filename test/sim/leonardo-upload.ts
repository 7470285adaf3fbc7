// Leonardo's two-step reference upload: POST /v1/init-image hands out an S3 POST policy; the client then POSTs the
// fields and the file (last, no Leonardo auth) to the bucket URL within 2 minutes, and gets 204.
import type { Hono } from "hono";
import { z } from "zod";
import { denied, fail, faultResponse, invalid, issueText, keyOf, s3Error, UPLOAD_BUCKET, userOf } from "./leonardo-wire.ts";
import { iso, note, readJson, type SimEnv, type SimState } from "./state.ts";

const UPLOAD_TTL_MS = 2 * 60_000;
const MAX_BYTES = 50 * 1024 * 1024;
const MIME = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp" } as const;

type Upload = { id: string; ownerKey: string; key: string; fields: Record<string, string>; createdAt: number; uploaded: boolean };

export function leonardoUploads(state: SimState) {
  const uploads = new Map<string, Upload>();
  state.resetters.push(() => uploads.clear());
  state.advancers.push((ms, _match, id) => {
    const upload = id === undefined ? undefined : uploads.get(id);
    if (upload === undefined) return 0;
    upload.createdAt -= ms;
    return 1;
  });

  function routes(app: Hono<SimEnv>): void {
    app.post("/api/rest/v1/init-image", async (c) => {
      const key = keyOf(c);
      if (key === null) return denied();
      const fault = state.faults.takeApi("leonardo", null, false);
      if (fault !== null) return faultResponse(c, fault);
      const parsed = await readJson(c.req.raw);
      if (!parsed.ok) return fail(400, `invalid JSON body: ${parsed.error}`, "invalid-json");
      const r = z.object({ extension: z.enum(["png", "jpg", "jpeg", "webp"]) }).safeParse(parsed.value);
      if (!r.success) return invalid(issueText(r.error.issues[0]!));
      const id = crypto.randomUUID();
      const now = Date.now();
      const objectKey = `${userOf(key)}/initImages/${id}.${r.data.extension}`;
      const amzDate = iso(now).replace(/[-:]/g, "").replace(/\.\d+/, "");
      const policy = { expiration: iso(now + UPLOAD_TTL_MS), conditions: [{ bucket: UPLOAD_BUCKET }, { key: objectKey }] };
      const fields: Record<string, string> = {
        "Content-Type": MIME[r.data.extension],
        bucket: UPLOAD_BUCKET,
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": `ASIASIMULATOR/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`,
        "X-Amz-Date": amzDate,
        "X-Amz-Security-Token": `sim-${crypto.randomUUID()}`,
        key: objectKey,
        Policy: btoa(JSON.stringify(policy)),
        "X-Amz-Signature": crypto.randomUUID().replace(/-/g, "").repeat(2),
      };
      uploads.set(id, { id, ownerKey: key, key: objectKey, fields, createdAt: now, uploaded: false });
      note(c, { jobId: id });
      return Response.json({ uploadInitImage: { id, url: c.var.bases.leonardoUpload, fields: JSON.stringify(fields), key: objectKey } });
    });

    app.post("/upload/", async (c) => {
      if (c.req.header("authorization") !== undefined)
        return s3Error(403, "AccessDenied", "Only one auth mechanism allowed; only the X-Amz-Algorithm form field or the Authorization header is supported");
      if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data"))
        return s3Error(412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data");
      let form: FormData;
      try {
        form = await c.req.raw.formData();
      } catch {
        return s3Error(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.");
      }
      const entries = [...form.entries()];
      const last = entries.at(-1);
      if (last === undefined || last[0] !== "file" || typeof last[1] === "string" || entries.filter(([n]) => n === "file").length !== 1)
        return s3Error(400, "InvalidArgument", "POST requires exactly one file upload per request, as the last field.");
      const upload = [...uploads.values()].find((u) => u.key === form.get("key"));
      if (upload === undefined) return s3Error(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: key");
      note(c, { jobId: upload.id });
      for (const [name, value] of Object.entries(upload.fields))
        if (form.get(name) !== value) return s3Error(403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ${name}`);
      if (Date.now() - upload.createdAt > UPLOAD_TTL_MS) return s3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired.");
      const file = last[1] as Blob;
      if (file.size === 0) return s3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
      if (file.size > MAX_BYTES) return s3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
      upload.uploaded = true;
      return new Response(null, { status: 204, headers: { etag: `"${upload.fields["X-Amz-Signature"]!.slice(0, 32)}"` } });
    });
  }

  /** Whether `id` is an upload of this key whose file has arrived (only then is it a valid UPLOADED reference). */
  const isUploaded = (id: string, key: string): boolean => uploads.get(id)?.ownerKey === key && uploads.get(id)?.uploaded === true;

  return { routes, isUploaded };
}
