import type { RouterRoute } from "hono/types";
import type * as z from "zod";
import { validatorOf, type Validated } from "../lib/validation";
import { SchemaSet, examplesOf, type JsonSchema } from "./json-schema";
import { operationIdOf, type Auth, type ParamDoc, type RouteDoc, type RouteDocs } from "./registry";

// OpenAPI 3.1 for every route registered on the app, built from the routes themselves: the path and method from
// the router, the summary and responses from the docs filed under the route's doc("operationId") marker, the
// parameters and body from its validate(...). Built at build time under Node (scripts/reference.mjs writes
// public/openapi.json, with src/docs/all-docs.ts): the Worker imports neither this nor the docs.

export const API_VERSION = "0.1.0";

/** Surfaces in the order /docs shows them; a tag not listed here is shown after these. */
const TAGS: Record<string, string> = {
  "Native API": "The `/v2` job API: create a job, follow it, list your jobs, upload reference images, read the catalogue. Errors are `application/problem+json`.",
  Account: "Your account: credits, rate limit, and the secret that signs your webhooks (Standard Webhooks).",
  "OpenAI-compatible":
    "OpenAI's Images API under `/v1`: the official SDKs work with only their base URL and key changed. Answers are synchronous (the request waits for the job); errors are OpenAI's `{error: {message, type, param, code}}`.",
  "Leonardo-compatible":
    "Leonardo's REST API under `/api/rest` for its GPT Image models: a Leonardo client changes only its base URL and key. Errors are Leonardo's `{error, path, code}`.",
  Files: "Image bytes stored in R2, with ETag, ranges and immutable caching. Private files need the signed URL from the job.",
  Admin: "The operator's API: keys and credits. Needs the `ADMIN_TOKEN` secret; without it set, the admin API is off (403).",
  "Provider callbacks": "Where upstream providers report on their jobs. Not for clients: each is authenticated as its provider signs it.",
  Documentation: "This reference, its OpenAPI document, and the playground.",
  Operations: "Liveness and health.",
};

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  key: [{ apiKey: [] }, { apiKeyHeader: [] }],
  admin: [{ adminToken: [] }],
  callback: [{ providerCallback: [] }],
  none: [],
};

export interface Operation {
  method: string;
  /** The router's pattern, e.g. /v2/jobs/:id */
  path: string;
  /** From the route's doc(...) marker. */
  operationId: string | undefined;
  validators: Validated[];
}

// A sub-app with its own onError wraps each handler; the original is kept under this key (hono-base.ts).
const unwrap = (handler: object): object => {
  let h: object & { __COMPOSED_HANDLER?: object } = handler;
  while (h.__COMPOSED_HANDLER) h = h.__COMPOSED_HANDLER;
  return h;
};

/** The app's endpoints (method + pattern), each with its marker and validators. Middleware (`use`, method ALL) is not one. */
export function operations(routes: readonly RouterRoute[]): Operation[] {
  const byKey = new Map<string, Operation>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const key = `${route.method} ${route.path}`;
    const op = byKey.get(key) ?? { method: route.method, path: route.path, operationId: undefined, validators: [] };
    byKey.set(key, op);
    const handler = unwrap(route.handler);
    op.operationId ??= operationIdOf(handler);
    const validator = validatorOf(handler);
    if (validator) op.validators.push(validator);
  }
  return [...byKey.values()];
}

/**
 * What does not match between the routes' markers and the docs: a marker with no docs, an id marking two routes,
 * docs that no route is marked with. Empty when they match (a route with no marker at all is the coverage test's).
 */
export function docMismatches(ops: readonly Operation[], docs: RouteDocs): string[] {
  const wrong: string[] = [];
  const routesOf = new Map<string, string[]>();
  for (const { operationId, method, path } of ops) {
    if (operationId !== undefined) routesOf.set(operationId, [...(routesOf.get(operationId) ?? []), `${method} ${path}`]);
  }
  for (const [id, routes] of routesOf) {
    if (!Object.hasOwn(docs, id)) wrong.push(`${routes.join(", ")}: marked doc("${id}"), but no docs module documents "${id}".`);
    if (routes.length > 1) wrong.push(`doc("${id}") marks ${routes.length} routes (${routes.join(", ")}); an operationId is one route's.`);
  }
  for (const id of Object.keys(docs)) if (!routesOf.has(id)) wrong.push(`"${id}" is documented, but no route is marked doc("${id}").`);
  return wrong;
}

/** /v2/jobs/:id → /v2/jobs/{id}; a trailing * takes the name of the doc's one unnamed path parameter. */
export function openApiPath(pattern: string, doc: RouteDoc | undefined): string {
  const named = new Set([...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]));
  const wildcard = Object.entries(doc?.params ?? {}).find(([name, p]) => p.in === "path" && !named.has(name))?.[0] ?? "path";
  return pattern
    .split("/")
    .map((segment) => (segment === "*" ? `{${wildcard}}` : segment.replace(/^:(\w+)(\{.*\})?\??$/, "{$1}")))
    .join("/");
}

const IN_OF: Partial<Record<Validated["target"], "path" | "query" | "header" | "cookie">> = {
  param: "path",
  query: "query",
  header: "header",
  cookie: "cookie",
};

/** An operation with its documentation found. */
type Documented = Operation & { operationId: string; doc: RouteDoc };

function parametersOf(op: Documented, path: string, schemas: SchemaSet): JsonSchema[] {
  const params: JsonSchema[] = [];
  for (const { target, schema } of op.validators) {
    const where = IN_OF[target];
    if (!where) continue;
    const object = schemas.resolve(schemas.convert(schema, "input"));
    const required = new Set((object.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((object.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = property;
      params.push({ name, in: where, required: where === "path" || required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  for (const [name, p] of Object.entries(op.doc.params ?? {}) as [string, ParamDoc][]) {
    if (params.some((q) => q.name === name && q.in === p.in)) continue;
    params.push({
      name,
      in: p.in,
      required: p.in === "path" || (p.required ?? false),
      description: p.description,
      schema: p.schema ? schemas.convert(p.schema, "input") : { type: "string" },
    });
  }
  for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
    if (!params.some((q) => q.name === name && q.in === "path")) params.push({ name, in: "path", required: true, schema: { type: "string" } });
  }
  return params;
}

const BODY_TYPES: Partial<Record<Validated["target"], string>> = { json: "application/json", form: "multipart/form-data" };

/** A media type object: the schema, and the example given or else the schema's own first one. */
function mediaOf(schema: z.core.$ZodType | undefined, given: unknown, io: "input" | "output", schemas: SchemaSet): JsonSchema {
  const example = given ?? (schema ? examplesOf(schema)[0] : undefined);
  return { ...(schema ? { schema: schemas.convert(schema, io) } : {}), ...(example === undefined ? {} : { example }) };
}

function requestBodyOf(op: Documented, schemas: SchemaSet): JsonSchema | undefined {
  const content: Record<string, z.core.$ZodType> = { ...op.doc.body?.content };
  for (const { target, schema } of op.validators) {
    const type = BODY_TYPES[target];
    if (type) content[type] = schema;
  }
  if (Object.keys(content).length === 0) return undefined;
  const description = op.doc.body?.description;
  return {
    required: true,
    ...(description ? { description } : {}),
    content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, mediaOf(schema, undefined, "input", schemas)])),
  };
}

function responsesOf(doc: RouteDoc, schemas: SchemaSet): JsonSchema {
  const out: JsonSchema = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    const headers: JsonSchema = { "x-request-id": { $ref: "#/components/headers/RequestId" } };
    for (const [name, description] of Object.entries(r.headers ?? {})) headers[name] = { description, schema: { type: "string" } };
    const content: JsonSchema = {};
    const contentType = r.contentType ?? (r.schema ? "application/json" : undefined);
    if (contentType) content[contentType] = mediaOf(r.schema, r.example, "output", schemas);
    for (const [type, media] of Object.entries(r.alternatives ?? {})) content[type] = mediaOf(media.schema, media.example, "output", schemas);
    out[status] = { description: r.description, headers, ...(Object.keys(content).length > 0 ? { content } : {}) };
  }
  return out;
}

export interface OpenApiDocument {
  openapi: string;
  info: JsonSchema;
  servers: { url: string; description?: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: JsonSchema & { schemas: Record<string, JsonSchema> };
}

// What a route without a doc(...) marker shows, so the document still lists it; the coverage test refuses such a route.
const UNDOCUMENTED: RouteDoc = {
  summary: "Undocumented",
  tag: "Undocumented",
  auth: "none",
  responses: { 200: { description: "Undocumented." } },
};

/**
 * The document for these routes, each documented by the entry of `docs` (src/docs/all-docs.ts for the app) under its
 * marker's id: every route is public, so every route is in it. Throws when markers and docs do not match.
 */
export function buildOpenApi(routes: readonly RouterRoute[], docs: RouteDocs): OpenApiDocument {
  const found = operations(routes);
  const wrong = docMismatches(found, docs);
  if (wrong.length > 0) throw new Error(`The routes and their docs do not match:\n${wrong.join("\n")}`);
  const schemas = new SchemaSet();
  const paths: OpenApiDocument["paths"] = {};
  const tags = new Set(Object.keys(TAGS));
  for (const route of found) {
    const op: Documented =
      route.operationId === undefined
        ? { ...route, operationId: `undocumented_${route.method}_${route.path.replace(/\W+/g, "_")}`, doc: UNDOCUMENTED }
        : { ...route, operationId: route.operationId, doc: docs[route.operationId]! };
    const path = openApiPath(op.path, op.doc);
    const parameters = parametersOf(op, path, schemas);
    const requestBody = requestBodyOf(op, schemas);
    tags.add(op.doc.tag);
    (paths[path] ??= {})[op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.doc.summary,
      ...(op.doc.description ? { description: op.doc.description } : {}),
      tags: [op.doc.tag],
      security: SECURITY[op.doc.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: responsesOf(op.doc, schemas),
    };
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "imagegate",
      version: API_VERSION,
      description:
        "An edge gateway for OpenAI's GPT Image models (`GET /v2/models` lists them): one API over Leonardo.AI, " +
        "apiframe.ai, OpenAI and a built-in sandbox. Jobs are tracked until they end; images are kept in R2.",
    },
    // Relative, so that the one document (a static asset) names whichever origin serves it.
    servers: [{ url: "/", description: "The origin that serves this document." }],
    tags: [...tags].map((name) => (TAGS[name] ? { name, description: TAGS[name] } : { name })),
    paths,
    components: {
      schemas: schemas.components,
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "Your imagegate API key (`ig_live_…`, or `ig_test_…` in development)." },
        apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "The same API key, in a header of its own." },
        adminToken: { type: "http", scheme: "bearer", description: "The operator's `ADMIN_TOKEN` secret." },
        providerCallback: {
          type: "http",
          scheme: "bearer",
          description: "Upstream callbacks authenticate as their provider does: Leonardo with the bearer token set on its key (`LEONARDO_WEBHOOK_TOKEN`), apiframe with `X-Webhook-Signature`.",
        },
      },
      headers: {
        RequestId: { description: "Identifies the request in imagegate's logs; send your own (≤ 64 chars) to correlate.", schema: { type: "string" } },
      },
    },
  };
}
