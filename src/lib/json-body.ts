import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { ApiError } from "./errors";
import { checkJsonShape } from "./json-limits";
import { jsonErrorPosition } from "./json-position";

// Guards JSON bodies before validation: size (413 without reading past the limit), content type, structure (nesting
// and value count, refused before parsing: json-limits.ts), and a parse error that says where the JSON broke.
// The body is parsed once: the validator that follows (hono/validator, under validate("json", …)) reads
// `c.req.json()`, which would parse the cached text again, so that call answers with this parse's value.

export const MAX_JSON_BYTES = 1024 * 1024;

export const isJsonType = (type: string | undefined): boolean => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type ?? "");

export const malformedJson = (where: string): ApiError => new ApiError("malformed_json", `The body is not valid JSON: ${where}.`);

const parseOnce: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!isJsonType(type)) {
    throw new ApiError("unsupported_media_type", `Send the body as application/json (got ${type || "no content type"}).`);
  }
  const text = await c.req.text();
  checkJsonShape(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformedJson(jsonErrorPosition(text) ?? "the body could not be parsed");
  }
  c.req.json = <T>(): Promise<T> => Promise.resolve(value as T);
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
    parseOnce,
  );
