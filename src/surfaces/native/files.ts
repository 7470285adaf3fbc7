import type { Context } from "hono";
import { Hono } from "../../lib/hono-app";
import { presentedKey, resolveKey } from "../../accounts/auth";
import { doc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { evaluate } from "../../lib/http-conditional";
import { checkSignature } from "../../files/signing";

// GET/HEAD /v2/files/<key>: bytes from R2 with ETag, conditional requests, ranges and immutable caching.
// Private files need a valid signature (capability URL); public ones are served to anyone.

const KEY_PATTERN = /^(jobs\/[0-9a-f-]{36}\/\d{1,2}|uploads\/[A-Za-z0-9_]{1,64})\.(png|jpg|webp|gif|svg)$/;
/**
 * An SVG is a document that could run script on imagegate's origin if opened directly: it may fetch nothing, run
 * nothing and is sandboxed (a unique origin), keeping only its inline styles (SPEC §8).
 */
export const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const IMMUTABLE = "max-age=31536000, immutable";

export const fileRoutes = new Hono<AppEnv>();

/** How the request may read the file, and R2's metadata for it when deciding that took a look. */
interface Access {
  visibility: "public" | "private";
  head: R2Object | null;
}

/**
 * A valid signature is checked before R2 is read. Without one, a private file and a file that does not exist answer
 * alike, so no one learns from the answer which keys exist: 404 for a key of another account (as every tenant's
 * route answers, SPEC §7), 403 otherwise (no key, or the owner's key, which says what the URL lacks; SPEC §8).
 */
async function authorise(c: Context<AppEnv>, key: string): Promise<Access> {
  if (!KEY_PATTERN.test(key)) throw new ApiError("not_found", "No such file.");
  const check = await checkSignature(c.env, key, c.req.query("exp"), c.req.query("sig"), now());
  if (check === "valid") return { visibility: "private", head: null };
  const head = await c.env.FILES.head(key);
  if (head?.customMetadata?.visibility === "public") return { visibility: "public", head };
  const apiKey = presentedKey(c.req.raw.headers);
  const principal = apiKey ? await resolveKey(c.env, apiKey) : null;
  if (principal && principal.accountId !== head?.customMetadata?.accountId) throw new ApiError("not_found", "No such file.");
  const why = { missing: "needs a signed URL (exp and sig)", expired: "has a signed URL that has expired", invalid: "has a signature that does not match" }[check];
  throw new ApiError("forbidden", `This private file ${why}; read the job again for a fresh URL.`);
}

/** Last-Modified in seconds: never later than our clock (RFC 9110 §8.8.2.1), whatever R2's says. */
const lastModifiedOf = (object: R2Object, at: number): number => Math.floor(Math.min(object.uploaded.getTime(), at) / 1000);

function baseHeaders(object: R2Object, visibility: "public" | "private", at: number): Headers {
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("ETag", object.httpEtag);
  headers.set("Last-Modified", new Date(lastModifiedOf(object, at) * 1000).toUTCString());
  headers.set("Accept-Ranges", "bytes");
  headers.set("Cache-Control", `${visibility}, ${IMMUTABLE}`);
  headers.set("X-Content-Type-Options", "nosniff");
  if (object.key.endsWith(".svg") || object.httpMetadata?.contentType === "image/svg+xml") headers.set("Content-Security-Policy", SVG_POLICY);
  if (object.customMetadata?.sha256) headers.set("x-sha256", object.customMetadata.sha256);
  return headers;
}

/** An entity-tag list as If-Match and If-None-Match carry it (RFC 9110 §8.8.3): `*`, or `"x"` / `W/"x"` joined by commas. */
const ETAG_LIST = /^(\*|(W\/)?"[\x21\x23-\x7e\x80-\xff]*"([ \t]*,[ \t]*(W\/)?"[\x21\x23-\x7e\x80-\xff]*")*)$/;

/** An entity tag list that is not one is the client's error, and said to be (rather than silently never matching). */
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

/** The headers whose answer depends on the object's metadata; a GET with none of them streams straight from R2. */
const CONDITIONAL = ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Range"];

/**
 * GET and HEAD: conditionals and Range are decided from R2's metadata (src/lib/http-conditional.ts) before any byte
 * is read; then only the part asked for is streamed. HEAD answers as GET would, without a body and without ranges.
 */
async function serve(c: Context<AppEnv>, method: "GET" | "HEAD"): Promise<Response> {
  const key = keyOf(c);
  const { visibility, head } = await authorise(c, key);
  const request = c.req.raw.headers;
  checkEntityTags(request);
  const at = now();
  const plain = method === "GET" && !CONDITIONAL.some((name) => request.has(name));
  const meta = head ?? (plain ? null : await c.env.FILES.head(key));
  if (!plain && !meta) throw new ApiError("not_found", "No such file.");
  let part: { offset: number; length: number } | undefined;
  if (meta) {
    const answer = evaluate(request, method, { etag: meta.httpEtag, lastModified: lastModifiedOf(meta, at), size: meta.size }, at);
    if (answer.status === 304) return new Response(null, { status: 304, headers: baseHeaders(meta, visibility, at) });
    if (answer.status === 412) {
      throw new ApiError("precondition_failed", "The file does not meet the request's If-Match or If-Unmodified-Since condition.", { headers: { ETag: meta.httpEtag } });
    }
    if (answer.status === 416) {
      throw new ApiError("range_not_satisfiable", `The requested range is not within the file's ${meta.size} bytes.`, { headers: { "Content-Range": `bytes */${meta.size}` } });
    }
    if (method === "HEAD") {
      const headers = baseHeaders(meta, visibility, at);
      headers.set("Content-Length", String(meta.size));
      return new Response(null, { status: 200, headers });
    }
    if (answer.status === 206) part = { offset: answer.offset, length: answer.length };
  }
  const object = await c.env.FILES.get(key, part ? { range: part } : {});
  if (!object) throw new ApiError("not_found", "No such file.");
  const headers = baseHeaders(object, visibility, at);
  if (part) {
    headers.set("Content-Range", `bytes ${part.offset}-${part.offset + part.length - 1}/${object.size}`);
    headers.set("Content-Length", String(part.length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
}

// Hono dispatches HEAD through the GET route (which serves it as HEAD); this registration documents it.
fileRoutes.on("HEAD", "/*", doc("headFile"), (c) => serve(c, "HEAD"));

fileRoutes.get("/*", doc("getFile"), (c) => serve(c, c.req.method === "HEAD" ? "HEAD" : "GET"));
