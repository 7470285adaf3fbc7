import { describe, expect, it } from "vitest";
import { CATALOGUE, specFor } from "../../src/catalogue";

// specFor: the one place a JobSpec gets its defaults, whichever surface gave the rest.

describe("specFor", () => {
  it("fills every default from the model", () => {
    expect(specFor(CATALOGUE["gpt-image-2"], { prompt: "p" })).toEqual({
      model: "gpt-image-2", prompt: "p", quality: "auto", width: 1024, height: 1024, aspectRatio: "1:1", outputFormat: "webp", background: "auto",
      quantity: 1, references: [], referenceStrength: null, inputFidelity: null, seed: null, promptEnhance: false, moderation: "auto",
    });
  });

  it("takes a preset by name, or an exact size (null aspect ratio when it is none of the presets)", () => {
    const entry = CATALOGUE["gpt-image-2"];
    expect(specFor(entry, { prompt: "p", aspectRatio: "16:9" })).toMatchObject({ width: 1376, height: 768, aspectRatio: "16:9" });
    expect(specFor(entry, { prompt: "p", size: { width: 1536, height: 864 } })).toMatchObject({ width: 1536, height: 864, aspectRatio: null });
  });

  it("sets complexity and low input fidelity where the model takes them, gif settings only on gif output", () => {
    const entry = CATALOGUE["gpt-image-2.6-flare"];
    const still = specFor(entry, { prompt: "p", frameCount: 4 });
    expect(still).toMatchObject({ complexity: "high", inputFidelity: null });
    expect(specFor(CATALOGUE["gpt-image-1.5"], { prompt: "p" })).toMatchObject({ inputFidelity: "low" });
    expect(specFor(CATALOGUE["gpt-image-1.5"], { prompt: "p" }).complexity).toBeUndefined();
    expect(still.gif).toBeUndefined();
    expect(specFor(entry, { prompt: "p", outputFormat: "gif", frameDurationMs: 44 }).gif).toEqual({ frameCount: 9, frameDurationMs: 40 });
  });

  it("leaves out a mask, partial images and compression not given (0 partial images is none)", () => {
    const spec = specFor(CATALOGUE["gpt-image-2"], { prompt: "p", partialImages: 0, mask: null, outputCompression: null });
    expect("partialImages" in spec || "outputCompression" in spec || "mask" in spec).toBe(false);
    expect(specFor(CATALOGUE["gpt-image-2"], { prompt: "p", partialImages: 2, outputCompression: 0 })).toMatchObject({ partialImages: 2, outputCompression: 0 });
  });
});
