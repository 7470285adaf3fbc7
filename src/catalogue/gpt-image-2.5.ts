import { gptImage2 } from "./gpt-image-2";
import type { ModelEntry } from "./types";

// OpenAI's changelog of 2026-09-08 (MODELS-2026-12.md §3): gpt-image-2's rules, plus the xhigh and max qualities and
// a transparent background that is no longer a preview. Billed at gpt-image-2's token rates; xhigh and max are priced
// by imagegate (SPEC §3.3: OpenAI publishes no per-image figure for them).
const family = {
  ...gptImage2,
  releasedOn: "2026-09-08",
  qualities: ["low", "medium", "high", "xhigh", "max", "auto"],
  references: { native: 16, leonardo: 16, strength: false, inputFidelity: false },
  credits: { low: 4, medium: 9, high: 23, xhigh: 35, max: 50, auto: 23 },
  lifecycle: { deprecatedOn: null, sunsetOn: null, successors: [], note: "No shutdown announced." },
} as const satisfies Omit<ModelEntry, "id" | "aliases" | "leonardoId" | "name" | "description">;

export const gptImage25Flare: ModelEntry = {
  ...family,
  id: "gpt-image-2.5-flare",
  aliases: ["gpt-image-2.5-flare-2026-09-08"],
  leonardoId: "openai/gpt-image-2.5-flare",
  name: "GPT Image 2.5 Flare",
  description: "OpenAI's GPT Image 2.5 Flare: the fast, smaller 2.5 model, with xhigh and max quality.",
};

export const gptImage25Sunburst: ModelEntry = {
  ...family,
  id: "gpt-image-2.5-sunburst",
  aliases: ["gpt-image-2.5-sunburst-2026-09-08"],
  leonardoId: "openai/gpt-image-2.5-sunburst",
  name: "GPT Image 2.5 Sunburst",
  description: "OpenAI's GPT Image 2.5 Sunburst: the 2.5 base model for detail and precise edits, with xhigh and max quality.",
};
