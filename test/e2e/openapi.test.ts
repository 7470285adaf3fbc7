import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import { startGateway, type Gateway } from "./gateway.ts";

// /openapi.json against a real OpenAPI 3.1 validator. It needs code generation (ajv), which workerd forbids, so it
// runs here, under Node, against the running gateway, which serves the document as a static asset (the Worker does
// not run for it). Coverage of the routes is tested in workerd (test/integration/openapi.test.ts).

let gw: Gateway;

before(async () => {
  gw = await startGateway();
});
after(async () => {
  await gw?.stop();
});

describe("OpenAPI document", () => {
  it("is served as a static asset, for GET and HEAD", async () => {
    const res = await fetch(`${gw.origin}/openapi.json?any=query`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.ok(res.headers.get("etag"), "a static asset's ETag");
    // The Worker adds x-request-id to every answer it makes; this one it never saw.
    assert.equal(res.headers.get("x-request-id"), null);
    const head = await fetch(`${gw.origin}/openapi.json`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), res.headers.get("etag"));
    assert.equal((await head.text()).length, 0);
    await res.body?.cancel();
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const res = await fetch(`${gw.origin}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\.1\./);
    // Relative, so that it names the origin a client read it from.
    assert.deepEqual(doc.servers.map((s) => new URL(s.url, res.url).origin), [gw.origin]);
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, result.valid ? "" : compileErrors(result));
    assert.deepEqual(result.warnings, []);
  });

  it("is refused by the validator when it is broken (the check above can fail)", async () => {
    const doc = (await (await fetch(`${gw.origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    delete doc.paths["/v2/jobs/{id}"]!.get!.parameters;
    const result = await validate(doc as never);
    assert.equal(result.valid, false);
  });
});
