import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/catalogue";
import { ApiError } from "../../src/lib/errors";
import { renderLeonardoError } from "../../src/surfaces/leonardo/errors";
import { openaiErrorBody } from "../../src/surfaces/openai/errors";
import { resolveSize } from "../../src/surfaces/openai/schemas";

// The OpenAI dialect's sizes and both surfaces' error envelopes, from the shared errors.

describe("OpenAI size → pixels", () => {
  it.each([
    ["gpt-image-1.5", "auto", { width: 1024, height: 1024 }],
    ["gpt-image-1.5", undefined, { width: 1024, height: 1024 }],
    ["gpt-image-1.5", "1536x1024", { width: 1536, height: 1024 }],
    ["gpt-image-1.5", "1024x1536", { width: 1024, height: 1536 }],
    ["gpt-image-2", "auto", { width: 1024, height: 1024 }],
    ["gpt-image-2", null, { width: 1024, height: 1024 }],
    ["gpt-image-2", "3824x2160", { width: 3824, height: 2160 }],
    ["gpt-image-2", "1024x640", { width: 1024, height: 640 }],
    ["gpt-image-2", "848x1264", { width: 848, height: 1264 }],
  ] as const)("%s %s", (model, size, expected) => {
    expect(resolveSize(CATALOGUE[model], size)).toEqual(expected);
  });

  it.each([
    ["gpt-image-1.5", "1376x768", /not a gpt-image-1.5 size/],
    ["gpt-image-1.5", "1024X1024", /is not a size: use WIDTHxHEIGHT/],
    ["gpt-image-2", "3840x2160", /width 3840 is too large/],
    ["gpt-image-2", "1024x624", /too few/],
    ["gpt-image-2", "3088x1024", /too elongated/],
    ["gpt-image-2", "1000x1008", /not a multiple of 16/],
    ["gpt-image-2", "-1024x1024", /is not a size/],
  ] as const)("%s %s is refused", (model, size, message) => {
    expect(resolveSize(CATALOGUE[model], size)).toMatch(message);
  });
});

describe("error envelopes", () => {
  const invalid = new ApiError("invalid_request", "x", { errors: [{ path: "images.0.image_url", message: "bad" }] });

  it("OpenAI: param in OpenAI's bracket form, type and code by reason; unknown errors stay hidden", () => {
    expect(openaiErrorBody(invalid)).toEqual({ error: { message: "x", type: "invalid_request_error", param: "images[0].image_url", code: "invalid_value" } });
    expect(openaiErrorBody(new ApiError("moderated", "m")).error).toMatchObject({ type: "image_generation_user_error", code: "moderation_blocked", param: null });
    expect(openaiErrorBody(new ApiError("timeout", "t")).error).toMatchObject({ type: "server_error", code: "timeout" });
    expect(openaiErrorBody(new Error("secret detail")).error).toEqual({
      message: expect.not.stringContaining("secret"), type: "server_error", param: null, code: null,
    });
  });

  it("Leonardo: a JSONPath to the first offending field, Hasura-style codes", async () => {
    // The renderer reads only the request id from its context.
    const c = { get: () => "req_test" } as never;
    const res = renderLeonardoError(invalid, c);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "x", path: "$.images[0].image_url", code: "validation-failed" });
    const hidden = renderLeonardoError(new Error("secret detail"), c);
    expect(hidden.status).toBe(500);
    expect(await hidden.json()).toEqual({ error: expect.not.stringContaining("secret"), path: "$", code: "unexpected" });
  });
});
