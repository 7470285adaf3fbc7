import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { mintFileUrl } from "../../src/files/signing";
import { api, BASE, createJob, runToEnd } from "../helpers/api";

// Every failure the fuzzers found, kept as a plain test with the input that found it (shrunk by fast-check).

type Json = Record<string, any>;

async function problem(res: Response, status: number): Promise<Json> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as Json;
  expect(body).toMatchObject({ status, type: `urn:imagegate:problem:${body.code}`, requestId: res.headers.get("x-request-id") });
  return body;
}

describe("files route (fuzz: files)", () => {
  let signed: string;

  beforeAll(async () => {
    const rec = await runToEnd(await createJob({ prompt: "regression: files", model: "gpt-image-2", gptImage2Params: { quality: "low" } }));
    const url = new URL(await mintFileUrl(env, BASE, rec.files[0]!.key, false, Date.now()));
    signed = url.pathname + url.search;
  });

  it("answers 404, not 500, to a key with a broken percent-escape (GET /v2/files/%)", async () => {
    for (const path of ["/v2/files/%", "/v2/files/%E0%A4%A", "/v2/files/jobs/%zz/0.png", "/v2/files/uploads/%25"]) {
      expect((await problem(await api(path, { key: null }), 404)).code).toBe("not_found");
    }
  });

  it('answers 400 problem+json, not a bodiless 416, to an If-Match or If-None-Match that is not an entity tag (If-Match: !)', async () => {
    for (const [name, value] of [["If-Match", "!"], ["If-None-Match", "!"], ["If-None-Match", 'W/ "x"'], ["If-Match", "x, y"]] as const) {
      const body = await problem(await api(signed, { key: null, headers: { [name]: value } }), 400);
      expect(body).toMatchObject({ code: "invalid_request", errors: [{ path: name, message: "is not a list of entity tags" }] });
    }
    // Entity tags as RFC 9110 writes them still work.
    const etag = (await api(signed, { key: null, method: "HEAD" })).headers.get("etag")!;
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      expect((await api(signed, { key: null, headers: { "If-None-Match": value } })).status).toBe(304);
    }
  });

  it("answers a failed precondition (If-Match, If-Unmodified-Since) with 412 problem+json and the ETag", async () => {
    const etag = (await api(signed, { key: null, method: "HEAD" })).headers.get("etag")!;
    const failing: Record<string, string>[] = [{ "If-Match": '"not-the-etag"' }, { "If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT" }];
    for (const headers of failing) {
      const res = await api(signed, { key: null, headers });
      expect((await problem(res, 412)).code).toBe("precondition_failed");
      expect(res.headers.get("etag")).toBe(etag);
    }
    expect((await api(signed, { key: null, headers: { "If-Match": etag } })).status).toBe(200);
  });
});

describe("OpenAI edits (fuzz: openai)", () => {
  const edit = (imageUrl: string) =>
    api("/v1/images/edits", { method: "POST", body: JSON.stringify({ model: "gpt-image-2", prompt: "regression: big data URL", images: [{ image_url: imageUrl }] }) });

  it("judges a data: URL of megabytes (6,000,000 base64 characters) instead of overflowing the regex stack (500)", async () => {
    const zeros = `data:image/png;base64,${"A".repeat(6_000_000)}`;
    for (const [url, message] of [
      [zeros, "is not a png, jpeg or webp image"],
      [`${zeros}AA==`, "is not a png, jpeg or webp image"],
      [`${zeros}!`, "is not valid base64"],
      [`${zeros}A=`, "is not valid base64"],
    ] as const) {
      const res = await edit(url);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { message: expect.stringContaining(message), type: "invalid_request_error", param: "images[0].image_url", code: "invalid_value" } });
    }
  });
});

describe("header values outside ASCII (left out of the fuzzers: workerd's fetch warns on each)", () => {
  it("refuses an Idempotency-Key of non-ASCII characters with 400, and reads past odd x-request-id and Authorization values", async () => {
    const body = JSON.stringify({ prompt: "regression: headers", model: "gpt-image-2", gptImage2Params: { quality: "low" } });
    const res = await api("/v2/images/generate", { method: "POST", body, headers: { "Idempotency-Key": "ключ" } });
    expect((await problem(res, 400)).errors).toEqual([{ path: "Idempotency-Key", message: "must be 1 to 255 printable ASCII characters" }]);
    expect((await problem(await api("/v2/me", { key: null, headers: { authorization: "Bearer ключ" } }), 401)).code).toBe("unauthorized");
    const odd = await api("/v2/models", { headers: { "x-request-id": "é".repeat(40) } });
    expect(odd.status).toBe(200);
    expect(odd.headers.get("x-request-id")).toBeTruthy();
  });
});
