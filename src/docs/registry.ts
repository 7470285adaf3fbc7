import type { MiddlewareHandler } from "hono";
import type * as z from "zod";

// Route documentation lives on the route itself: `app.get(path, doc({...}), ...handlers)`. `doc(...)` is a
// pass-through middleware that carries the route's summary and responses; the OpenAPI builder walks the app's
// routes, finds it, and reads the request's parameters and body from the route's own `validate(...)` middleware.
// A route without `doc(...)` fails the coverage test (test/integration/openapi.test.ts).

/** Who may call a route: an account's API key, the operator's ADMIN_TOKEN, an upstream provider's callback, or anyone. */
export type Auth = "key" | "admin" | "callback" | "none";

/** One media type of a response: its schema and an example. */
export interface MediaDoc {
  schema?: z.ZodType;
  example?: unknown;
}

export interface ResponseDoc {
  description: string;
  /** The body's schema (the same zod schema the code builds the body with); omit for an empty body. */
  schema?: z.ZodType;
  /** Defaults to application/json when there is a schema; a type without a schema is an opaque body (image bytes). */
  contentType?: string;
  /** Response headers worth knowing, name → description (x-request-id is added to every response). */
  headers?: Record<string, string>;
  /** An example body, when the schema's own `.meta({ examples })` is not the one to show here. */
  example?: unknown;
  /** The same status in other media types, content type → body (e.g. text/event-stream when the request streams). */
  alternatives?: Record<string, MediaDoc>;
}

export interface ParamDoc {
  in: "path" | "query" | "header";
  description: string;
  schema?: z.ZodType;
  required?: boolean;
}

export interface RouteDoc {
  /** Stable and unique: clients generate method names from it. */
  operationId: string;
  summary: string;
  description?: string;
  /** The surface the route belongs to (a heading in /docs). */
  tag: string;
  auth: Auth;
  /** Parameters the route reads without `validate(...)`, e.g. the name of a trailing `*` path segment. */
  params?: Record<string, ParamDoc>;
  /**
   * The request body beyond what the route's `validate("json" | "form", ...)` says: a description, and the content a
   * route reads by other means (a callback's raw JSON, a form read by hand, a body validated per its content type),
   * content type → schema.
   */
  body?: { description?: string; content?: Record<string, z.ZodType> };
  responses: Record<number, ResponseDoc>;
}

/** Metadata for a multipart form's File field, so the document shows it as a file: `z.instanceof(File).meta({ ...FILE_FIELD })`. */
export const FILE_FIELD = { type: "string", format: "binary" } as const;

const documented = new WeakMap<object, RouteDoc>();

/** Documents the route it is registered on; put it first in the route's handlers. */
export function doc(route: RouteDoc): MiddlewareHandler {
  const middleware: MiddlewareHandler = (_c, next) => next();
  documented.set(middleware, route);
  return middleware;
}

export const docOf = (handler: object): RouteDoc | undefined => documented.get(handler);
