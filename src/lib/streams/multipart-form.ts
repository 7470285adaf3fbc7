import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";
import { MultipartError, boundaryOf, fieldText, readParts, type MultipartLimits, type Part } from "./multipart";

// A multipart form read as a stream: its fields (small, capped) are kept as text, each file part is handed to the
// route as it arrives, to be streamed on (into R2). The parser's faults become refusals here, in one place: a broken
// form is the same 400 on every route, a body over the route's limit is the route's own 413.

export type FormFields = Map<string, string[]>;

export interface FormLimits extends MultipartLimits {
  /** Bytes of all fields together. */
  maxFieldsBytes: number;
}

/** The routes' 415 guard: a multipart/form-data content type with parameters (readForm checks the boundary). */
export const isFormData = (contentType: string): boolean => /^multipart\/form-data\s*;/i.test(contentType);

const notAForm = (why: string): ApiError => new ApiError("invalid_request", `The body is not a valid multipart form: ${why}.`);

function refusal(err: MultipartError, tooLarge: () => ApiError): ApiError {
  if (err.fault === "too_large") return tooLarge();
  if (err.fault === "field_too_large") return new ApiError("payload_too_large", `The form is refused: ${err.message}.`);
  return notAForm(err.message);
}

/**
 * Reads the form, handing each file part (a part with a filename) to `onFile` with the fields read so far; a file part
 * must be read to its end or left before `onFile` returns. `tooLarge` is the route's 413. Returns the fields.
 */
export async function readForm(
  request: Request,
  limits: FormLimits,
  tooLarge: () => ApiError,
  onFile: (part: Part, fields: FormFields) => Promise<void>,
): Promise<FormFields> {
  const boundary = boundaryOf(request.headers.get("content-type") ?? "");
  if (!boundary || !request.body) throw notAForm(boundary ? "the body is empty" : "the content type names no boundary");
  const fields: FormFields = new Map();
  let fieldsBytes = 0;
  let current: Part | null = null;
  try {
    for await (const part of readParts(request.body, boundary, limits)) {
      current = part;
      if (part.filename !== null) {
        await onFile(part, fields);
        continue;
      }
      const text = await fieldText(part);
      fieldsBytes += text.length;
      if (fieldsBytes > limits.maxFieldsBytes) throw new MultipartError("field_too_large", `its fields together are larger than ${limits.maxFieldsBytes} bytes`);
      fields.set(part.name, [...(fields.get(part.name) ?? []), text]);
    }
  } catch (err) {
    const fault = err instanceof MultipartError ? err : current?.fault();
    if (fault) throw refusal(fault, tooLarge);
    throw err;
  }
  return fields;
}

/**
 * Form entries as the form validator sees them (as hono's does): a name ending in [] or given twice is an array, any
 * other a single value.
 */
export function formObject<V>(entries: Iterable<[string, V]>): Record<string, V | V[]> {
  const form: Record<string, V | V[]> = Object.create(null);
  for (const [key, value] of entries) {
    const held = form[key];
    if (key.endsWith("[]")) form[key] = [...((held as V[] | undefined) ?? []), value];
    else if (Array.isArray(held)) held.push(value);
    else if (Object.hasOwn(form, key)) form[key] = [held as V, value];
    else form[key] = value;
  }
  return form;
}

/** A form's fields as entries, in their order within each name. */
export const fieldEntries = (fields: FormFields): [string, string][] => [...fields].flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]));

/**
 * A declared length over `maxBytes` is refused before the body is read; an undeclared one is counted by readForm
 * (maxTotalBytes), which stops there. Not hono's bodyLimit: without a Content-Length it buffers the whole body.
 */
export const declaredLimit = (maxBytes: number, tooLarge: () => ApiError): MiddlewareHandler => async (c, next) => {
  const length = c.req.header("content-length");
  if (length !== undefined && Number(length) > maxBytes) throw tooLarge();
  await next();
};
