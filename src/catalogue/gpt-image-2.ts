import type { ModelEntry } from "./types";

// Seed 001 (Leonardo) and the apiframe/OpenAI references in PROVIDERS.md.
export const gptImage2: ModelEntry = {
  id: "gpt-image-2",
  aliases: ["gpt-image-2-2026-04-21"],
  leonardoId: "gpt-image-2",
  name: "GPT Image 2",
  description: "OpenAI's GPT Image 2: flexible custom resolutions up to 3824 pixels on the long edge.",
  releasedOn: "2026-04-21", // its first snapshot is gpt-image-2-2026-04-21
  paramsKey: "gptImage2Params",
  presets: {
    "1:1": { width: 1024, height: 1024 },
    "2:3": { width: 848, height: 1264 },
    "3:2": { width: 1264, height: 848 },
    "16:9": { width: 1376, height: 768 },
    "9:16": { width: 768, height: 1376 },
  },
  defaultAspectRatio: "1:1",
  customSize: { maxEdgeExclusive: 3840, multipleOf: 16, maxRatio: 3, minPixels: 655_360, maxPixels: 8_294_400 },
  qualities: ["low", "medium", "high", "auto"],
  defaultQuality: "auto",
  complexity: null,
  outputFormats: ["webp", "png", "jpeg"],
  gif: null,
  svg: null,
  defaultOutputFormat: "webp",
  backgrounds: ["auto", "transparent", "opaque"],
  transparentFormats: ["png", "webp"],
  quantity: { native: 10, leonardo: 8 },
  references: { native: 16, leonardo: 6, strength: false, inputFidelity: false },
  leonardoSeed: false,
  maxPromptLength: 32000,
  credits: { low: 4, medium: 9, high: 23, auto: 23 },
  // MODELS-2026-12.md §3.3: $5 text in, $8 image in, $30 image out per 1M tokens on the 2.6 Sunburst model page (H);
  // 2.5 "use GPT Image 2 token rates" and 2.6's pricing is unchanged, so gpt-image-2's are ASSUMED the same.
  tokenPrices: { textInput: 5, imageInput: 8, imageOutput: 30 },
  lifecycle: { deprecatedOn: null, sunsetOn: null, successors: [], note: "No shutdown announced." },
};
