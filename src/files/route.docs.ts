import * as z from "zod";
import type { ParamDoc, ResponseDoc, RouteDocs } from "../docs/registry";
import { Problem } from "../surfaces/native/problem";
import { SVG_POLICY } from "./route";

// The documentation of GET and HEAD /v2/files/<key> (route.ts).

const FILE_PARAMS: Record<string, ParamDoc> = {
  key: { in: "path", description: "The file's key: `jobs/<jobId>/<n>.<ext>` or `uploads/<id>.<ext>` (the path of the URL on the job)." },
  exp: { in: "query", description: "Expiry of a signed URL (unix seconds); private files only.", schema: z.string().regex(/^\d+$/) },
  sig: { in: "query", description: "Signature of a signed URL; private files only." },
};
const FILE_HEADERS = {
  ETag: "The object's ETag.",
  "Cache-Control": "`public|private, max-age=31536000, immutable`",
  "x-sha256": "SHA-256 of the bytes.",
  "Content-Security-Policy": `SVG files only: \`${SVG_POLICY}\`, so that an SVG opened directly can run no script.`,
};
const IMAGE: ResponseDoc = { description: "The image bytes.", contentType: "image/*", headers: { ...FILE_HEADERS, "Content-Length": "Bytes in the body." } };
const problem = (description: string): ResponseDoc => ({ description, schema: Problem, contentType: "application/problem+json" });
const ERRORS: Record<number, ResponseDoc> = {
  403: problem("A private file without a valid, unexpired signature."),
  404: problem("No such file."),
};

export const fileDocs = {
  headFile: {
    summary: "Get a file's headers",
    tag: "Files",
    auth: "none",
    params: FILE_PARAMS,
    responses: { 200: { description: "The headers of the image, without its bytes.", headers: { ...FILE_HEADERS, "Content-Length": "Bytes in the file." } }, ...ERRORS },
  },
  getFile: {
    summary: "Download a file",
    description:
      "Streams an image from R2. Public files are served to anyone; private ones (the default) need the signed URL " +
      "that the job gives. Honours `If-None-Match` (304) and `Range` (206).",
    tag: "Files",
    auth: "none",
    params: FILE_PARAMS,
    responses: {
      200: IMAGE,
      206: { ...IMAGE, description: "The requested byte range.", headers: { ...IMAGE.headers, "Content-Range": "`bytes <first>-<last>/<size>`" } },
      304: { description: "Not modified (If-None-Match matched)." },
      400: problem("If-Match or If-None-Match is not `*` or a list of entity tags."),
      ...ERRORS,
      412: { ...problem("A precondition (If-Match, If-Unmodified-Since) failed."), headers: { ETag: "The object's ETag." } },
      416: { ...problem("The range is outside the file."), headers: { "Content-Range": "`bytes */<size>`" } },
    },
  },
} satisfies RouteDocs;
