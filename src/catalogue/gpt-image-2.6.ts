import { gptImage25Flare } from "./gpt-image-2.5";
import type { ModelEntry } from "./types";

// Released 2026-11-04 (MODELS-2026-12.md §3): 2.5's rules, plus complexity and the animated gif and vector svg
// formats. OpenAI names no dated snapshot.
const family = {
  ...gptImage25Flare,
  aliases: [],
  releasedOn: "2026-11-04",
  complexity: { values: ["low", "medium", "high"], default: "high" },
  outputFormats: ["webp", "png", "jpeg", "gif", "svg"],
  transparentFormats: ["png", "webp", "gif"],
  gif: {
    frameCount: { min: 2, max: 16, default: 9 },
    frameDurationMs: { min: 20, max: 655_350, default: 200, step: 10 },
    // Measured caps of square frames (960 up to 9 frames, 816 up to 12, 720 up to 16) are exactly these grids at the
    // 8,294,400-pixel limit.
    sheets: [
      { frames: 9, columns: 3, rows: 3 },
      { frames: 12, columns: 4, rows: 3 },
      { frames: 16, columns: 4, rows: 4 },
    ],
  },
  svg: { creditFactor: 2 },
} as const satisfies Omit<ModelEntry, "id" | "leonardoId" | "name" | "description">;

export const gptImage26Flare: ModelEntry = {
  ...family,
  id: "gpt-image-2.6-flare",
  leonardoId: "openai/gpt-image-2.6-flare",
  name: "GPT Image 2.6 Flare",
  description: "OpenAI's GPT Image 2.6 Flare: the fast model, with complexity, animated GIF and SVG output.",
};

export const gptImage26Sunburst: ModelEntry = {
  ...family,
  id: "gpt-image-2.6-sunburst",
  leonardoId: "openai/gpt-image-2.6-sunburst",
  name: "GPT Image 2.6 Sunburst",
  description: "OpenAI's GPT Image 2.6 Sunburst: the base model for detail and precise edits, with complexity, animated GIF and SVG output.",
};
