import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { idsOf, modelEntries } from "../../src/catalogue";
import { app } from "../../src/index";
import { ROUTE_DOCS } from "../../src/docs/all-docs";
import { buildOpenApi, docMismatches, openApiPath, operations } from "../../src/docs/openapi";
import { doc, type RouteDocs } from "../../src/docs/registry";
import { validate } from "../../src/lib/validation";
import { LeonardoError } from "../../src/surfaces/leonardo/errors.docs";
import { Problem } from "../../src/lib/problem.docs";
import { OpenAIError } from "../../src/surfaces/openai/errors.docs";
import { BASE, api, createJob } from "../helpers/api";

// /openapi.json covers exactly the routes registered on the app, and says true things about them. The document is a
// static asset built under Node (scripts/reference.mjs, run by vitest.config.ts) from the routes' doc("id") markers
// and the docs modules (src/docs/all-docs.ts); the Worker answers SELF.fetch from that file. It is also checked by a real OpenAPI validator (@readme/openapi-parser) in test/e2e/openapi.test.ts, and
// served without the Worker there.

type Doc = { paths: Record<string, Record<string, any>>; components: Record<string, Record<string, any>>; servers: { url: string }[] };

const fetchDoc = async (): Promise<Doc> => {
  const res = await api("/openapi.json", { key: null });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return (await res.json()) as Doc;
};

const documentedOps = (d: Doc) =>
  Object.entries(d.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) k === "$ref" && typeof v === "string" ? out.push(v) : refsIn(v, out);
  }
  return out;
}

describe("GET /openapi.json", () => {
  it("documents every route registered on the app, and nothing else", async () => {
    const ops = operations(app.routes);
    const unmarked = ops.filter((op) => op.operationId === undefined).map((op) => `${op.method} ${op.path}`);
    expect(unmarked, `Undocumented routes — add doc("operationId") where each is registered, and its docs beside it: ${unmarked.join(", ")}`).toEqual([]);
    expect(docMismatches(ops, ROUTE_DOCS)).toEqual([]);

    const registered = ops.map((op) => `${op.method.toLowerCase()} ${openApiPath(op.path, ROUTE_DOCS[op.operationId!])}`).sort();
    const documented = documentedOps(await fetchDoc()).map(({ method, path }) => `${method} ${path}`).sort();
    expect(documented).toEqual(registered);
    // The routes this branch serves, so a route that silently stops being registered is noticed too.
    expect(documented).toEqual(expect.arrayContaining([
      "get /", "get /docs", "get /healthz", "get /openapi.json", "get /v2/files/{key}", "head /v2/files/{key}",
      "get /v2/jobs/{id}", "get /v2/models", "post /v2/images/generate", "get /v2/jobs", "post /v2/uploads", "get /v2/me",
      "get /v2/jobs/{id}/events", "get /v2/jobs/{id}/deliveries", "post /v2/jobs/{id}/cancel",
      "post /admin/keys", "post /v1/images/generations", "post /v1/images/edits", "post /api/rest/v2/generations",
      "post /api/rest/v1/init-image/upload", "post /hooks/leonardo", "post /hooks/apiframe",
    ]));
  });

  it("serves the document these routes give: the static asset is what buildOpenApi makes of app.routes here", async () => {
    expect(await fetchDoc()).toEqual(JSON.parse(JSON.stringify(buildOpenApi(app.routes, ROUTE_DOCS))));
  });

  const docsOf = (...ids: string[]): RouteDocs =>
    Object.fromEntries(ids.map((id) => [id, { summary: id.toUpperCase(), tag: "T", auth: "none", responses: { 200: { description: "ok" } } }]));

  it("notices an undocumented route (the check above can fail)", () => {
    const other = new Hono();
    other.get("/documented", doc("a"), (c) => c.text("a"));
    other.post("/forgotten/:id", (c) => c.text("b"));
    expect(operations(other.routes).filter((op) => op.operationId === undefined).map((op) => `${op.method} ${op.path}`)).toEqual(["POST /forgotten/:id"]);
    const built = buildOpenApi(other.routes, docsOf("a"));
    expect(built.paths["/documented"]?.get).toMatchObject({ operationId: "a", summary: "A" });
    expect(built.paths["/forgotten/{id}"]?.post?.summary).toBe("Undocumented");
  });

  it("refuses to build when markers and docs do not match: a marker without docs, docs without a route, an id on two routes", () => {
    const other = new Hono();
    other.get("/a", doc("a"), (c) => c.text("a"));
    other.get("/typo", doc("tpyo"), (c) => c.text("t"));
    other.get("/twice/1", doc("twice"), (c) => c.text("1"));
    other.get("/twice/2", doc("twice"), (c) => c.text("2"));
    const docs = docsOf("a", "twice", "typo", "gone");
    expect(docMismatches(operations(other.routes), docs)).toEqual([
      'GET /typo: marked doc("tpyo"), but no docs module documents "tpyo".',
      'doc("twice") marks 2 routes (GET /twice/1, GET /twice/2); an operationId is one route\'s.',
      '"typo" is documented, but no route is marked doc("typo").',
      '"gone" is documented, but no route is marked doc("gone").',
    ]);
    expect(() => buildOpenApi(other.routes, docs)).toThrow(/do not match:\n.*"tpyo"/);
    const fixed = new Hono();
    fixed.get("/a", doc("a"), (c) => c.text("a"));
    expect(() => buildOpenApi(fixed.routes, docs)).toThrow(/"gone" is documented/);
    expect(docMismatches(operations(fixed.routes), docsOf("a"))).toEqual([]);
  });

  it("reads the request from the route's own validator: the schema that validates is the schema documented", async () => {
    const other = new Hono();
    const Body = z.object({ size: z.number().int().max(7) }).meta({ id: "SizeBody" });
    const Query = z.object({ verbose: z.enum(["yes", "no"]).optional() });
    other.post(
      "/things/:thing",
      doc("b"),
      validate("query", Query),
      validate("json", Body),
      (c) => c.body(null, 204),
    );
    const op = buildOpenApi(other.routes, { b: { summary: "B", tag: "T", auth: "key", responses: { 204: { description: "done" } } } }).paths["/things/{thing}"]!.post!;
    expect(op.requestBody).toMatchObject({ required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/SizeBody" } } } });
    expect(op.parameters).toEqual([
      { name: "verbose", in: "query", required: false, schema: { type: "string", enum: ["yes", "no"] } },
      { name: "thing", in: "path", required: true, schema: { type: "string" } },
    ]);
    expect(op.security).toEqual([{ apiKey: [] }, { apiKeyHeader: [] }]);
  });

  it("describes the native create request with the validating schema and a valid example", async () => {
    const d = await fetchDoc();
    // Relative: the one static document names whichever origin serves it.
    expect(d.servers.map((s) => new URL(s.url, `${BASE}/openapi.json`).origin)).toEqual([BASE]);
    const create = d.paths["/v2/images/generate"]!.post!;
    const media = create.requestBody.content["application/json"];
    expect(media.schema).toEqual({ $ref: "#/components/schemas/GenerateRequest" });
    const schema = d.components.schemas!.GenerateRequest!;
    // One variant per catalogue model, each taking the model's id and its aliases.
    const variants = schema.oneOf.map((s: any) => s.properties.model.enum ?? [s.properties.model.const]);
    expect(variants.sort()).toEqual(modelEntries().map(idsOf).sort());
    expect(schema.oneOf.every((s: any) => s.additionalProperties === false)).toBe(true);
    // The documented example is accepted by the real endpoint.
    const jobId = await createJob(media.example);
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(create.responses["202"].headers.Location).toBeDefined();
    expect(create.responses["400"].content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
  });

  it("gives every example that its own schema accepts", async () => {
    let checked = 0;
    for (const op of operations(app.routes)) {
      const routeDoc = ROUTE_DOCS[op.operationId!]!;
      for (const [status, response] of Object.entries(routeDoc.responses)) {
        if (!response.schema || response.example === undefined) continue;
        const result = response.schema.safeParse(response.example);
        expect(result.success, `${op.method} ${op.path} ${status}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
        checked++;
      }
      for (const [status, response] of Object.entries(routeDoc.responses)) {
        for (const [type, media] of Object.entries(response.alternatives ?? {})) {
          if (!media.schema || media.example === undefined) continue;
          expect(media.schema.safeParse(media.example).success, `${op.method} ${op.path} ${status} ${type}`).toBe(true);
          checked++;
        }
      }
      const bodies = [...op.validators, ...Object.entries(routeDoc.body?.content ?? {}).map(([target, schema]) => ({ target, schema }))];
      for (const { target, schema } of bodies) {
        const examples = (z.globalRegistry.get(schema)?.examples ?? []) as unknown[];
        for (const example of examples) expect(schema.safeParse(example).success, `${op.method} ${op.path} ${target} example`).toBe(true);
        checked += examples.length;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("has unique operation ids, a summary and a tag on each, and no dangling $ref", async () => {
    const d = await fetchDoc();
    const ops = documentedOps(d);
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of ops) {
      expect(op.summary).toEqual(expect.any(String));
      expect(op.tags).toHaveLength(1);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    for (const ref of refsIn(d)) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(d.components[section!]?.[name!], ref).toBeDefined();
    }
  });

  it("says which routes need credentials, truthfully: those and only those answer 401 without them", async () => {
    const d = await fetchDoc();
    let guarded = 0;
    for (const { method, path, op } of documentedOps(d)) {
      const url = path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
      const res = await api(url, { method: method.toUpperCase(), key: null, ...(["post", "put", "patch"].includes(method) ? { body: "{}" } : {}) });
      const needsCredentials = op.security.length > 0;
      expect(res.status === 401, `${method} ${path} answered ${res.status} without credentials`).toBe(needsCredentials);
      if (needsCredentials) guarded++;
      await res.body?.cancel();
    }
    expect(guarded).toBeGreaterThanOrEqual(2);
  });

  it("documents each surface's errors in that surface's own envelope", async () => {
    const d = await fetchDoc();
    const envelopes = { "/v1/": "OpenAIError", "/api/rest/": "LeonardoError" } as Record<string, string>;
    let errors = 0;
    for (const { method, path, op } of documentedOps(d)) {
      const envelope = Object.entries(envelopes).find(([prefix]) => path.startsWith(prefix))?.[1];
      const [type, name] = envelope ? ["application/json", envelope] : ["application/problem+json", "Problem"];
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        if (Number(status) < 400 || !response.content) continue;
        expect(response.content[type]?.schema, `${method} ${path} ${status}`).toEqual({ $ref: `#/components/schemas/${name}` });
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
  });

  it("documents the OpenAI and Leonardo envelopes those surfaces really send", async () => {
    const openaiAnswer = await api("/v1/images/generations", { method: "POST", body: JSON.stringify({ prompt: "a fox", size: "12x12" }) });
    expect(openaiAnswer.status).toBe(400);
    expect(OpenAIError.strict().safeParse(await openaiAnswer.json()).success).toBe(true);
    const leonardoAnswer = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify({ model: "gpt-image-2" }) });
    expect(leonardoAnswer.status).toBe(400);
    expect(LeonardoError.strict().safeParse(await leonardoAnswer.json()).success).toBe(true);
  });

  it("documents multipart bodies as forms with their file fields, and streams as event streams", async () => {
    const d = await fetchDoc();
    const schemas = d.components.schemas!;
    const formOf = (path: string) => {
      const media = d.paths[path]!.post!.requestBody.content["multipart/form-data"];
      expect(media, path).toBeDefined();
      const ref = media.schema.$ref as string | undefined;
      return ref ? schemas[ref.split("/").pop()!] : media.schema;
    };
    expect(formOf("/v2/uploads").properties.file).toMatchObject({ type: "string", format: "binary" });
    expect(formOf("/api/rest/v1/init-image/upload").properties.file).toMatchObject({ type: "string", format: "binary" });
    const edit = formOf("/v1/images/edits");
    expect(edit.oneOf.every((v: any) => v.properties.mask.format === "binary")).toBe(true);
    expect(Object.keys(d.paths["/v1/images/edits"]!.post!.requestBody.content).sort()).toEqual(["application/json", "multipart/form-data"]);
    for (const path of ["/v1/images/generations", "/v1/images/edits"]) {
      const ok = d.paths[path]!.post!.responses["200"].content;
      expect(Object.keys(ok).sort(), path).toEqual(["application/json", "text/event-stream"]);
      expect(ok["text/event-stream"].schema.type).toBe("string");
    }
  });

  it("documents the problem envelope the native surface really sends", async () => {
    const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify({ model: "gpt-image-2", prompt: "" }) });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(Problem.strict().safeParse(body).success).toBe(true);
  });
});
