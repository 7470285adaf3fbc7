// The catalogue's vocabulary and the request-neutral JobSpec that every surface produces and every provider consumes.

export const MODEL_IDS = ["gpt-image-1.5", "gpt-image-2"] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const QUALITIES = ["low", "medium", "high", "auto"] as const;
export type Quality = (typeof QUALITIES)[number];

export const OUTPUT_FORMATS = ["webp", "png", "jpeg"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const BACKGROUNDS = ["auto", "transparent", "opaque"] as const;
export type Background = (typeof BACKGROUNDS)[number];

export const STRENGTHS = ["LOW", "MID", "HIGH"] as const;
export type Strength = (typeof STRENGTHS)[number];

export const MODERATIONS = ["auto", "low"] as const;
export type Moderation = (typeof MODERATIONS)[number];

export const INPUT_FIDELITIES = ["low", "high"] as const;
export type InputFidelity = (typeof INPUT_FIDELITIES)[number];

export interface Size {
  width: number;
  height: number;
}

/** Rules for sizes other than the presets (seed 001). */
export interface CustomSizeRule {
  maxEdgeExclusive: number;
  multipleOf: number;
  maxRatio: number;
  minPixels: number;
  maxPixels: number;
}

export interface Lifecycle {
  /** ISO dates; null when not announced. */
  deprecatedOn: string | null;
  sunsetOn: string | null;
  successor: ModelId | null;
  note: string;
}

export interface ModelEntry {
  id: ModelId;
  name: string;
  description: string;
  /** ISO date OpenAI released the model (GET /v1/models reports it as `created`). */
  releasedOn: string;
  /** The native dialect's parameter object key (seed 002: gptImageParams). */
  paramsKey: "gptImageParams" | "gptImage2Params";
  presets: Readonly<Record<string, Size>>;
  defaultAspectRatio: string;
  customSize: CustomSizeRule | null;
  qualities: readonly Quality[];
  defaultQuality: Quality;
  outputFormats: readonly OutputFormat[];
  defaultOutputFormat: OutputFormat;
  backgrounds: readonly Background[];
  /** Backgrounds that need an output format with alpha. */
  transparentFormats: readonly OutputFormat[];
  quantity: { native: number; leonardo: number };
  references: { native: number; leonardo: number; strength: boolean; inputFidelity: boolean };
  /** Whether the Leonardo dialect accepts `seed` for this model (seed 000 lists it, seed 001 does not). */
  leonardoSeed: boolean;
  maxPromptLength: number;
  /** Credits per image, by quality (seed 002). */
  credits: Readonly<Record<Quality, number>>;
  lifecycle: Lifecycle;
}

/** A reference image, whatever dialect named it. */
export type Reference =
  | { kind: "url"; url: string }
  | { kind: "upload"; id: string }
  | { kind: "generated"; id: string };

/** What to make, independent of the surface that asked and the provider that makes it. */
export interface JobSpec {
  model: ModelId;
  prompt: string;
  quality: Quality;
  width: number;
  height: number;
  /** The preset's name when the size is a preset, else null (an exact custom size). */
  aspectRatio: string | null;
  outputFormat: OutputFormat;
  background: Background;
  quantity: number;
  references: Reference[];
  referenceStrength: Strength | null;
  inputFidelity: InputFidelity | null;
  seed: number | null;
  promptEnhance: boolean;
  moderation: Moderation;
  /** Where an edit may change the first reference (OpenAI's `mask`); absent when there is none. */
  mask?: Reference;
  /** Partial renders to send per image while it is made (OpenAI's streamed `partial_images`, 1–3); absent: none. */
  partialImages?: number;
  /** Compression of jpeg and webp output, 0–100 (OpenAI's `output_compression`); absent: the provider's default. */
  outputCompression?: number;
}
