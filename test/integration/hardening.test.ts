import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, DEV_KEY, createJob, runToEnd } from "../helpers/api";
import { mintAccount } from "../helpers/accounts";
import { withVars } from "../helpers/vars";

// Small hardening findings of issue 16 that have no test file of their own.

describe("malformed JSON, however large", () => {
  it("answers a 12 MB data: URL edit with a trailing comma with OpenAI's 400 and where the JSON broke, not a 500", async () => {
    const url = `data:image/png;base64,${"A".repeat(12 * 1024 * 1024)}`;
    const body = `{"model":"gpt-image-2","prompt":"p","images":[{"image_url":"${url}"}],}`;
    const res = await SELF.fetch(`${BASE}/v1/images/edits`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; type: string } };
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toContain(`expected a property name in double quotes at line 1, column ${body.length} (position ${body.length - 1})`);
  });
});

describe("file URLs", () => {
  // A request's Host is its sender's choice: in production file URLs point at PUBLIC_BASE_URL whatever the Host.
  const readAs = (host: string, path: string, key: string) => SELF.fetch(`https://${host}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const imagesOf = async (res: Response) => ((await res.json()) as { result: { images: string[] } }).result.images;

  it("point at PUBLIC_BASE_URL in production, not at the request's Host", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const jobId = await createJob({ prompt: "public base url", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, key);
    expect((await runToEnd(jobId)).status).toBe("COMPLETED");

    const images = await withVars({ ENVIRONMENT: "production", PUBLIC_BASE_URL: "https://images.example.com" }, async () =>
      imagesOf(await readAs("attacker.example", `/v2/jobs/${jobId}`, key)),
    );
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(/^https:\/\/images\.example\.com\/v2\/files\/jobs\/[^?]+\?exp=\d+&sig=[0-9a-f]+$/);
    // In development the request's own origin is fine.
    expect((await imagesOf(await readAs("localhost:8787", `/v2/jobs/${jobId}`, key)))[0]).toMatch(/^https:\/\/localhost:8787\/v2\/files\//);
  });

  it("are refused with a 503 naming the setting in production while PUBLIC_BASE_URL is unset or not an https origin", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const jobId = await createJob({ prompt: "no public base url", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, key);
    await runToEnd(jobId);
    for (const value of [undefined, "", "http://images.example.com", "https://images.example.com/prefix", "images.example.com"]) {
      const res = await withVars({ ENVIRONMENT: "production", PUBLIC_BASE_URL: value }, () => readAs("attacker.example", `/v2/jobs/${jobId}`, key));
      expect([value, res.status]).toEqual([value, 503]);
      expect(await res.json()).toMatchObject({ code: "unavailable", setting: "PUBLIC_BASE_URL" });
    }
  });
});
