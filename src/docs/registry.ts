import type { MiddlewareHandler } from "hono";
import type * as z from "zod";

// Route documentation lives on the route itself: `app.get(path, doc({...}), ...handlers)`. `doc(...)` is a
// pass-through middleware that carries the route's summary and responses; the OpenAPI builder walks the app's
// routes, finds it, and reads the request's parameters and body from the route's own `validate(...)` middleware.
// A route without `doc(...)` fails the coverage test (test/integration/openapi.test.ts).

/** Who may call a route: an account's API key, the operator's ADMIN_TOKEN, an upstream provider's callback, or anyone. */
export type Auth = "key" | "admin" | "callback" | "none";

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
  /** A body the route reads without `validate("json" | "form", ...)`, e.g. raw bytes; with one, only its description is used. */
  body?: { contentType: string; schema: z.ZodType; description?: string };
  responses: Record<number, ResponseDoc>;
}

const documented = new WeakMap<object, RouteDoc>();

/** Documents the route it is registered on; put it first in the route's handlers. */
export function doc(route: RouteDoc): MiddlewareHandler {
  const middleware: MiddlewareHandler = (_c, next) => next();
  documented.set(middleware, route);
  return middleware;
}

export const docOf = (handler: object): RouteDoc | undefined => documented.get(handler);
