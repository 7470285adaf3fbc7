import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JobSpec } from "../../src/catalogue";
import type { Env } from "../../src/env";
import { ApiError } from "../../src/lib/errors";
import { capabilityProblem, chooseCandidates, configuredProviders, providerOrder, servingProviders } from "../../src/jobs/routing";
import { PROVIDERS } from "../../src/providers/registry";

// Routing (SPEC §4.2): the capability filter and its reasons, and the order — the request's list, else PROVIDER_ORDER,
// else cheapest first.

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  model: "gpt-image-2", prompt: "p", quality: "medium", width: 1024, height: 1024, aspectRatio: "1:1", outputFormat: "png", background: "auto",
  quantity: 1, references: [], referenceStrength: null, inputFidelity: null, seed: null, promptEnhance: false, moderation: "auto", ...over,
});
const refs = (n: number): JobSpec["references"] => Array.from({ length: n }, (_, i) => ({ kind: "upload" as const, id: `upl_${i}` }));
const problem = (name: "leonardo" | "apiframe" | "openai", s: JobSpec) => capabilityProblem(PROVIDERS[name]!.capabilities(s.model, env as Env), s);
const withVars = (vars: Partial<Env>): Env => ({ ...env, ...vars }) as Env;

describe("capability filter", () => {
  it("apiframe takes aspect ratios only, and only 1:1, 3:2 and 2:3", () => {
    expect(problem("apiframe", spec({ width: 1536, height: 864, aspectRatio: null }))).toBe("takes only preset sizes (aspect ratios), not the exact size 1536x864");
    expect(problem("apiframe", spec({ width: 1376, height: 768, aspectRatio: "16:9" }))).toBe("takes only the aspect ratios 1:1, 3:2, 2:3 for gpt-image-2, not 16:9");
    expect(problem("apiframe", spec({ width: 848, height: 1264, aspectRatio: "2:3" }))).toBeNull();
    expect(problem("leonardo", spec({ width: 1536, height: 864, aspectRatio: null }))).toBeNull();
    expect(problem("openai", spec({ width: 1536, height: 864, aspectRatio: null }))).toBeNull();
  });

  it("transparent backgrounds: not on Leonardo, not on apiframe's gpt-image-2", () => {
    const clear = { background: "transparent" as const };
    expect(problem("leonardo", spec(clear))).toBe("has no transparent background for gpt-image-2");
    expect(problem("apiframe", spec(clear))).toBe("has no transparent background for gpt-image-2");
    expect(problem("apiframe", spec({ ...clear, model: "gpt-image-1.5", inputFidelity: "low" }))).toBeNull();
    expect(problem("openai", spec(clear))).toBeNull();
  });

  it("at most 6 references on Leonardo; strength and high fidelity only where offered", () => {
    expect(problem("leonardo", spec({ references: refs(6) }))).toBeNull();
    expect(problem("leonardo", spec({ references: refs(7) }))).toBe("takes at most 6 reference images, not 7");
    expect(problem("apiframe", spec({ references: refs(16) }))).toBeNull();
    const v15 = { model: "gpt-image-1.5" as const, inputFidelity: "low" as const };
    expect(problem("leonardo", spec({ ...v15, references: refs(1), referenceStrength: "HIGH" }))).toBeNull();
    expect(problem("apiframe", spec({ ...v15, references: refs(1), referenceStrength: "HIGH" }))).toBe("has no reference strength for gpt-image-1.5");
    expect(problem("apiframe", spec({ ...v15, referenceStrength: "HIGH" }))).toBeNull(); // no references: nothing to weigh
    expect(problem("leonardo", spec({ ...v15, references: refs(1), inputFidelity: "high" }))).toBe("has no input_fidelity high for gpt-image-1.5");
    expect(problem("openai", spec({ ...v15, references: refs(1), inputFidelity: "high" }))).toBeNull();
  });

  it("a seed never rules a provider out (it is honoured where supported)", () => {
    for (const name of ["leonardo", "apiframe", "openai"] as const) expect(problem(name, spec({ seed: 42 }))).toBeNull();
  });
});

describe("order", () => {
  it("is cheapest first by default (the free sandbox first)", () => {
    expect(providerOrder(withVars({}), spec({ quality: "medium" }), null)).toEqual(["sandbox", "openai", "apiframe", "leonardo"]);
    expect(providerOrder(withVars({}), spec({ quality: "low" }), null)).toEqual(["sandbox", "openai", "leonardo", "apiframe"]);
  });

  it("follows PROVIDER_ORDER, then the rest cheapest first", () => {
    expect(providerOrder(withVars({ PROVIDER_ORDER: "leonardo, apiframe,nobody" }), spec(), null)).toEqual(["leonardo", "apiframe", "sandbox", "openai"]);
  });

  it("follows the request's list as given", () => {
    expect(providerOrder(withVars({ PROVIDER_ORDER: "leonardo" }), spec(), ["apiframe", "openai", "apiframe"])).toEqual(["apiframe", "openai"]);
  });

  it("leaves out providers without a key, and 422s with every provider's reason when none is left", () => {
    const noKeys = withVars({ SANDBOX: "off", LEONARDO_API_KEY: "", OPENAI_API_KEY: "" });
    expect(chooseCandidates(noKeys, spec(), null)).toEqual(["apiframe"]);
    let error: unknown;
    try {
      chooseCandidates(noKeys, spec({ width: 1376, height: 768, aspectRatio: "16:9" }), null);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).reason).toBe("no_provider");
    expect((error as ApiError).errors).toEqual([
      { path: "provider.sandbox", message: "sandbox is not configured" },
      { path: "provider.openai", message: "openai is not configured" },
      { path: "provider.apiframe", message: "apiframe takes only the aspect ratios 1:1, 3:2, 2:3 for gpt-image-2, not 16:9" },
      { path: "provider.leonardo", message: "leonardo is not configured" },
    ]);
  });
});

describe("who can serve a model", () => {
  it("is the configured providers that offer it, in PROVIDER_NAMES order", () => {
    const noLeonardo = withVars({ LEONARDO_API_KEY: "" });
    expect(configuredProviders(noLeonardo)).toEqual(["sandbox", "apiframe", "openai"]);
    expect(servingProviders(noLeonardo, "gpt-image-2")).toEqual(["sandbox", "apiframe", "openai"]);
    expect(servingProviders(noLeonardo, "gpt-image-2.6-flare")).toEqual(["sandbox", "openai"]);
  });
});
