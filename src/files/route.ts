import { Hono, type Context } from "hono";
import { presentedKey, resolveKey } from "../accounts/auth";
import { doc } from "../docs/registry";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { now } from "../lib/clock";
import { checkSignature } from "./signing";

// GET/HEAD /v2/files/<key>: bytes from R2 with ETag, conditional requests, ranges and immutable caching.
// Private files need a valid signature (capability URL); public ones are served to anyone.

const KEY_PATTERN = /^(jobs\/[0-9a-f-]{36}\/\d{1,2}|uploads\/[A-Za-z0-9_]{1,64})\.(png|jpg|webp|gif|svg)$/;
/**
 * An SVG is a document that could run script on imagegate's origin if opened directly: it may fetch nothing, run
 * nothing and is sandboxed (a unique origin), keeping only its inline styles (SPEC §8).
 */
export const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const IMMUTABLE = "max-age=31536000, immutable";

export const files = new Hono<AppEnv>();

async function authorise(c: Context<AppEnv>, key: string): Promise<"public" | "private"> {
  if (!KEY_PATTERN.test(key)) throw new ApiError("not_found", "No such file.");
  const check = await checkSignature(c.env, key, c.req.query("exp"), c.req.query("sig"), now());
  if (check === "valid") return "private";
  const head = await c.env.FILES.head(key);
  if (!head) throw new ApiError("not_found", "No such file.");
  if (head.customMetadata?.visibility === "public") return "public";
  // Another tenant must not learn that the file exists: with its key and no valid signature, it is 404.
  const apiKey = presentedKey(c.req.raw.headers);
  const principal = apiKey ? await resolveKey(c.env, apiKey) : null;
  if (principal && principal.accountId !== head.customMetadata?.accountId) throw new ApiError("not_found", "No such file.");
  const why = { missing: "needs a signed URL (exp and sig)", expired: "has a signed URL that has expired", invalid: "has a signature that does not match" }[check];
  throw new ApiError("forbidden", `This private file ${why}; read the job again for a fresh URL.`);
}

function baseHeaders(object: R2Object, visibility: "public" | "private"): Headers {
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("ETag", object.httpEtag);
  headers.set("Accept-Ranges", "bytes");
  headers.set("Cache-Control", `${visibility}, ${IMMUTABLE}`);
  headers.set("X-Content-Type-Options", "nosniff");
  if (object.key.endsWith(".svg") || object.httpMetadata?.contentType === "image/svg+xml") headers.set("Content-Security-Policy", SVG_POLICY);
  if (object.customMetadata?.sha256) headers.set("x-sha256", object.customMetadata.sha256);
  return headers;
}

/** An entity-tag list as If-Match and If-None-Match carry it (RFC 9110 §8.8.3): `*`, or `"x"` / `W/"x"` joined by commas. */
const ETAG_LIST = /^(\*|(W\/)?"[\x21\x23-\x7e\x80-\xff]*"([ \t]*,[ \t]*(W\/)?"[\x21\x23-\x7e\x80-\xff]*")*)$/;

/** R2 throws on an entity tag it cannot read: such a header is the client's error, and said to be. */
function checkEntityTags(headers: Headers): void {
  for (const name of ["If-Match", "If-None-Match"]) {
    const value = headers.get(name);
    if (value !== null && !ETAG_LIST.test(value)) {
      throw new ApiError("invalid_request", `${name} must be * or entity tags ("…" or W/"…") separated by commas.`, {
        errors: [{ path: name, message: "is not a list of entity tags" }],
      });
    }
  }
}

/** The R2 key the path names; a broken percent-escape (e.g. a lone "%") cannot name one of our keys. */
function keyOf(c: Context<AppEnv>): string {
  try {
    return decodeURIComponent(c.req.path.slice("/v2/files/".length));
  } catch {
    throw new ApiError("not_found", "No such file.");
  }
}

/** HEAD: the object's headers from R2's metadata, without opening its body. */
async function headFile(c: Context<AppEnv>): Promise<Response> {
  const key = keyOf(c);
  const visibility = await authorise(c, key);
  const object = await c.env.FILES.head(key);
  if (!object) throw new ApiError("not_found", "No such file.");
  const headers = baseHeaders(object, visibility);
  headers.set("Content-Length", String(object.size));
  return new Response(null, { status: 200, headers });
}

// Hono dispatches HEAD through the GET route (which hands it to headFile); this registration documents it.
files.on("HEAD", "/*", doc("headFile"), headFile);

files.get("/*", doc("getFile"), async (c) => {
  if (c.req.method === "HEAD") return headFile(c);
  const key = keyOf(c);
  const visibility = await authorise(c, key);
  const request = c.req.raw.headers;
  checkEntityTags(request);
  let object: R2Object | R2ObjectBody | null;
  try {
    object = await c.env.FILES.get(key, { onlyIf: request, range: request });
  } catch {
    const size = (await c.env.FILES.head(key))?.size ?? 0;
    throw new ApiError("range_not_satisfiable", `The requested range is not within the file's ${size} bytes.`, { headers: { "Content-Range": `bytes */${size}` } });
  }
  if (!object) throw new ApiError("not_found", "No such file.");
  const headers = baseHeaders(object, visibility);
  if (!("body" in object)) {
    if (request.has("If-None-Match") || request.has("If-Modified-Since")) return new Response(null, { status: 304, headers });
    throw new ApiError("precondition_failed", "The file does not meet the request's If-Match or If-Unmodified-Since condition.", { headers: { ETag: object.httpEtag } });
  }
  const range = object.range as { offset?: number; length?: number; suffix?: number } | undefined;
  if (range && request.has("Range")) {
    const offset = range.suffix !== undefined ? object.size - range.suffix : (range.offset ?? 0);
    const length = range.suffix !== undefined ? range.suffix : (range.length ?? object.size - offset);
    headers.set("Content-Range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
    headers.set("Content-Length", String(length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
});
