import type { MiddlewareHandler } from "hono";
import type * as z from "../lib/zod";

// A route is marked with its operationId, `app.get(path, doc("getThing"), ...handlers)`, and documented in the
// sibling docs module (routes.ts → routes.docs.ts), under that id. The marker is all the Worker carries: the docs
// modules are imported only by src/docs/all-docs.ts, which only the OpenAPI build (scripts/reference.mjs) and the
// tests import, so the descriptions, examples and documentation-only schemas stay out of the Worker bundle. The
// builder walks the app's routes, finds each marker, and reads the request's parameters and body from the route's
// own `validate(...)` middleware. A route without a marker fails the coverage test (test/integration/openapi.test.ts);
// a marker without docs, or docs without a route, fail the build (buildOpenApi).

/** Who may call a route: an account's API key, the operator's ADMIN_TOKEN, an upstream provider's callback, or anyone. */
export type Auth = "key" | "admin" | "callback" | "none";

/** One media type of a response: its schema and an example. */
export interface MediaDoc {
  schema?: z.ZodMiniType;
  example?: unknown;
}

export interface ResponseDoc {
  description: string;
  /** The body's schema (the same zod schema the code builds the body with); omit for an empty body. */
  schema?: z.ZodMiniType;
  /** Defaults to application/json when there is a schema; a type without a schema is an opaque body (image bytes). */
  contentType?: string;
  /** Response headers worth knowing, name → description (x-request-id is added to every response). */
  headers?: Record<string, string>;
  /** An example body, when the examples in the schema's own metadata are not the one to show here. */
  example?: unknown;
  /** The same status in other media types, content type → body (e.g. text/event-stream when the request streams). */
  alternatives?: Record<string, MediaDoc>;
}

export interface ParamDoc {
  in: "path" | "query" | "header";
  description: string;
  schema?: z.ZodMiniType;
  required?: boolean;
}

/** A route's documentation; its operationId is the key it is filed under in a docs module. */
export interface RouteDoc {
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
  body?: { description?: string; content?: Record<string, z.ZodMiniType> };
  responses: Record<number, ResponseDoc>;
}

/** A docs module's routes, operationId → documentation. The operationId is stable and unique: clients name methods by it. */
export type RouteDocs = Record<string, RouteDoc>;

/** Metadata for a multipart form's File field, so the document shows it as a file: `z.withMeta(z.instanceof(File), { ...FILE_FIELD })`. */
export const FILE_FIELD = { type: "string", format: "binary" } as const;

const marked = new WeakMap<object, string>();

/** Marks the route it is registered on as the operation documented under this id; put it first in the route's handlers. */
export function doc(operationId: string): MiddlewareHandler {
  const middleware: MiddlewareHandler = (_c, next) => next();
  marked.set(middleware, operationId);
  return middleware;
}

export const operationIdOf = (handler: object): string | undefined => marked.get(handler);
