import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { buildOpenApi, type OpenApiDocument } from "./openapi";
import { doc } from "./registry";

// GET /openapi.json (built from the app's own routes, once per isolate) and GET /docs (Scalar, served from the
// Worker's static assets: public/vendor/ and public/ui/, filled by scripts/assets.mjs; nothing from another host).

const OpenApi = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: "OpenApiDocument", description: "An OpenAPI 3.1 document." });

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imagegate API reference</title>
<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="app"></div>
<script src="/vendor/scalar-api-reference.js"></script>
<script src="/ui/docs.js"></script>
</body>
</html>
`;

// Scalar injects its styles inline; everything else comes from this origin.
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TAG = "Documentation";

const openApiDoc = doc({
  operationId: "getOpenApi",
  summary: "OpenAPI document",
  description: "OpenAPI 3.1 for every route, generated from the zod schemas that validate requests.",
  tag: TAG,
  auth: "none",
  responses: { 200: { description: "This document.", schema: OpenApi } },
});

const docsDoc = doc({
  operationId: "getDocs",
  summary: "API reference",
  description: "An interactive reference of this document. Works with no internet access.",
  tag: TAG,
  auth: "none",
  responses: { 200: { description: "An HTML page.", contentType: "text/html" } },
});

/** The reference routes of `app`; the document lists every route registered on `app` when it is first asked for. */
export function reference(app: Hono<AppEnv>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  let built: OpenApiDocument | undefined;

  routes.get("/openapi.json", openApiDoc, (c) => {
    built ??= buildOpenApi(app.routes);
    const { openapi, info, ...rest } = built;
    return c.json({ openapi, info, servers: [{ url: new URL(c.req.url).origin }], ...rest }, 200, { "Cache-Control": "no-cache" });
  });

  routes.get("/docs", docsDoc, (c) => c.html(DOCS_PAGE, 200, { "Content-Security-Policy": DOCS_CSP }));

  return routes;
}
