import * as z from "zod";
import type { RouteDocs } from "./registry";

// The documentation of the reference routes (routes.ts).

const OpenApi = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: "OpenApiDocument", description: "An OpenAPI 3.1 document." });

const TAG = "Documentation";

export const referenceDocs = {
  getOpenApi: {
    summary: "OpenAPI document",
    description: "OpenAPI 3.1 for every route, generated from the zod schemas that validate requests.",
    tag: TAG,
    auth: "none",
    responses: { 200: { description: "This document.", schema: OpenApi } },
  },
  getDocs: {
    summary: "API reference",
    description: "An interactive reference of this document. Works with no internet access.",
    tag: TAG,
    auth: "none",
    responses: { 200: { description: "An HTML page.", contentType: "text/html" } },
  },
} satisfies RouteDocs;
