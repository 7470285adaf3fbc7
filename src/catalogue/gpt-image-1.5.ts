import type { ModelEntry } from "./types";

// Seeds 000 (Leonardo) and 002 (apiframe).
export const gptImage15: ModelEntry = {
  id: "gpt-image-1.5",
  aliases: ["gpt-image-1.5-2025-12-16"],
  leonardoId: "gpt-image-1.5",
  name: "GPT Image 1.5",
  description: "OpenAI's GPT Image 1.5: text-to-image and editing with tiered quality.",
  releasedOn: "2025-12-16", // the openai SDK added it that day (v6.14.0)
  paramsKey: "gptImageParams",
  presets: {
    "1:1": { width: 1024, height: 1024 },
    "3:2": { width: 1536, height: 1024 },
    "2:3": { width: 1024, height: 1536 },
  },
  defaultAspectRatio: "1:1",
  customSize: null,
  qualities: ["low", "medium", "high", "auto"],
  defaultQuality: "auto",
  complexity: null,
  outputFormats: ["webp", "png", "jpeg"],
  gif: null,
  svg: null,
  defaultOutputFormat: "webp",
  backgrounds: ["auto", "transparent", "opaque"],
  transparentFormats: ["png", "webp"],
  quantity: { native: 10, leonardo: 10 },
  references: { native: 16, leonardo: 6, strength: true, inputFidelity: true },
  leonardoSeed: true,
  maxPromptLength: 32000,
  credits: { low: 4, medium: 9, high: 24, auto: 24 },
  tokenPrices: null, // no source in MODELS-2026-12.md gives them
  // OpenAI's deprecations page: notice 2026-06-02, shut down 2026-12-01, "gpt-image-2.6-sunburst or gpt-image-2.6-flare".
  lifecycle: {
    deprecatedOn: "2026-06-02",
    sunsetOn: "2026-12-01",
    successors: ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"],
    note: "OpenAI shut gpt-image-1.5 down on 2026-12-01; imagegate retired it on every provider that day.",
  },
};
