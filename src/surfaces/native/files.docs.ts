import * as z from "zod";
import type { ParamDoc, ResponseDoc, RouteDocs } from "../../docs/registry";
import { Problem } from "../../lib/problem.docs";
import { SVG_POLICY } from "./files";

// The documentation of GET and HEAD /v2/files/<key> (files.ts).

const FILE_PARAMS: Record<string, ParamDoc> = {
  key: { in: "path", description: "The file's key: `jobs/<jobId>/<n>.<ext>` or `uploads/<id>.<ext>` (the path of the URL on the job)." },
  exp: { in: "query", description: "Expiry of a signed URL (unix seconds); private files only.", schema: z.string().regex(/^\d+$/) },
  sig: { in: "query", description: "Signature of a signed URL; private files only." },
};
const FILE_HEADERS = {
  ETag: "The object's ETag (strong).",
  "Last-Modified": "When the file was stored (an HTTP-date; `If-Range` matches it only exactly).",
  "Cache-Control": "`public|private, max-age=31536000, immutable`",
  "x-sha256": "SHA-256 of the bytes.",
  "Content-Security-Policy": `SVG files only: \`${SVG_POLICY}\`, so that an SVG opened directly can run no script.`,
};
const IMAGE: ResponseDoc = { description: "The image bytes.", contentType: "image/*", headers: { ...FILE_HEADERS, "Content-Length": "Bytes in the body." } };
const problem = (description: string): ResponseDoc => ({ description, schema: Problem, contentType: "application/problem+json" });
const ERRORS: Record<number, ResponseDoc> = {
  403: problem(
    "A private file without a valid, unexpired signature. A key that names no file answers the same, so that the answer " +
      "does not tell which files exist (with another account's API key, both are 404).",
  ),
  404: problem("No such file (or, with an API key, one that is not this account's)."),
};

export const fileDocs = {
  headFile: {
    summary: "Get a file's headers",
    tag: "Files",
    auth: "none",
    params: FILE_PARAMS,
    responses: {
      200: { description: "The headers of the image, without its bytes (`Range` is ignored).", headers: { ...FILE_HEADERS, "Content-Length": "Bytes in the file." } },
      304: { description: "Not modified, as for GET." },
      400: problem("If-Match or If-None-Match is not `*` or a list of entity tags."),
      ...ERRORS,
      412: { ...problem("A precondition (If-Match, If-Unmodified-Since) failed."), headers: { ETag: "The object's ETag." } },
    },
  },
  getFile: {
    summary: "Download a file",
    description:
      "Streams an image from R2. Public files are served to anyone; private ones (the default) need the signed URL " +
      "that the job gives. Conditionals and ranges follow RFC 9110: `If-Match`, then `If-Unmodified-Since` (412); " +
      "`If-None-Match`, then `If-Modified-Since` (304); a date that is not an HTTP-date, or an `If-Modified-Since` later " +
      "than the server's clock, is ignored. One byte range (`bytes=a-b`, `a-`, `-n`) answers 206; an unsatisfiable " +
      "one (`bytes=<size>-`, `bytes=-0`) 416 with `Content-Range: bytes */<size>`. Another unit or an unparsable " +
      "`Range` is ignored (200, the whole file), and so is a request for several ranges: it gets the whole file rather " +
      "than `multipart/byteranges`. `If-Range` keeps the range only for the strong `ETag` or exactly `Last-Modified`; " +
      "otherwise the whole file (200).",
    tag: "Files",
    auth: "none",
    params: FILE_PARAMS,
    responses: {
      200: { ...IMAGE, description: "The whole image: no Range, or one that is ignored (another unit, unparsable, several ranges, an If-Range that does not match)." },
      206: { ...IMAGE, description: "The requested byte range.", headers: { ...IMAGE.headers, "Content-Range": "`bytes <first>-<last>/<size>`" } },
      304: { description: "Not modified (If-None-Match matched, or If-Modified-Since is not before Last-Modified)." },
      400: problem("If-Match or If-None-Match is not `*` or a list of entity tags."),
      ...ERRORS,
      412: { ...problem("A precondition (If-Match, If-Unmodified-Since) failed."), headers: { ETag: "The object's ETag." } },
      416: { ...problem("No range asked for overlaps the file (e.g. `bytes=<size>-`, `bytes=-0`)."), headers: { "Content-Range": "`bytes */<size>`" } },
    },
  },
} satisfies RouteDocs;
