import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { ApiError } from "./errors";
import { jsonErrorPosition } from "./json-position";

// Guards JSON bodies before validation: size (413 without reading past the limit), content type, and a parse
// error that says where the JSON broke. Hono caches the text, so the validator's own parse reads nothing again.

export const MAX_JSON_BYTES = 1024 * 1024;

const parseCheck: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError("unsupported_media_type", `Send the body as application/json (got ${type || "no content type"}).`);
  }
  const text = await c.req.text();
  try {
    JSON.parse(text);
  } catch {
    const where = jsonErrorPosition(text) ?? "the body could not be parsed";
    throw new ApiError("malformed_json", `The body is not valid JSON: ${where}.`);
  }
  await next();
};

export const jsonBody = (maxBytes = MAX_JSON_BYTES): MiddlewareHandler =>
  every(
    bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new ApiError("payload_too_large", `The JSON body is larger than ${maxBytes} bytes.`);
      },
    }),
    parseCheck,
  );
