import { roundedFrameDuration } from "./rules";
import { presetOf } from "./sizes";
import type {
  Background, Complexity, InputFidelity, JobSpec, Moderation, ModelEntry, OutputFormat, Quality, Reference, Size, Strength,
} from "./types";

// The one place a JobSpec is made: a surface says what its request gave (in the spec's terms, its dialect's own
// defaults already applied) and the catalogue fills in every default, so no surface restates them.

/** What a surface's request gave; absent or null takes the default. */
export interface SpecGiven {
  prompt: string;
  quality?: Quality | null;
  /** An exact size; else the preset `aspectRatio` names; else the model's default preset. */
  size?: Size | null;
  aspectRatio?: string | null;
  outputFormat?: OutputFormat | null;
  background?: Background | null;
  quantity?: number | null;
  references?: Reference[];
  referenceStrength?: Strength | null;
  inputFidelity?: InputFidelity | null;
  seed?: number | null;
  promptEnhance?: boolean | null;
  moderation?: Moderation | null;
  complexity?: Complexity | null;
  /** Read only when the output format is gif. */
  frameCount?: number | null;
  frameDurationMs?: number | null;
  mask?: Reference | null;
  /** 0 or absent: none. */
  partialImages?: number | null;
  outputCompression?: number | null;
}

/** The spec of a validated request: what was given, and the model's defaults for the rest. */
export function specFor(entry: ModelEntry, given: SpecGiven): JobSpec {
  const size = given.size ?? entry.presets[given.aspectRatio ?? entry.defaultAspectRatio]!;
  const outputFormat = given.outputFormat ?? entry.defaultOutputFormat;
  return {
    model: entry.id,
    prompt: given.prompt,
    quality: given.quality ?? entry.defaultQuality,
    width: size.width,
    height: size.height,
    aspectRatio: presetOf(entry, size),
    outputFormat,
    background: given.background ?? "auto",
    quantity: given.quantity ?? 1,
    references: given.references ?? [],
    referenceStrength: given.referenceStrength ?? null,
    inputFidelity: entry.references.inputFidelity ? (given.inputFidelity ?? "low") : null,
    seed: given.seed ?? null,
    promptEnhance: given.promptEnhance ?? false,
    moderation: given.moderation ?? "auto",
    ...(given.mask ? { mask: given.mask } : {}),
    ...(given.partialImages ? { partialImages: given.partialImages } : {}),
    ...(given.outputCompression != null ? { outputCompression: given.outputCompression } : {}),
    ...(entry.complexity ? { complexity: given.complexity ?? entry.complexity.default } : {}),
    ...(outputFormat === "gif" && entry.gif
      ? {
          gif: {
            frameCount: given.frameCount ?? entry.gif.frameCount.default,
            frameDurationMs: roundedFrameDuration(entry, given.frameDurationMs ?? entry.gif.frameDurationMs.default),
          },
        }
      : {}),
  };
}
