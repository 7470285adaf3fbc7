// The catalogue's vocabulary and the request-neutral JobSpec that every surface produces and every provider consumes.

export const MODEL_IDS = [
  "gpt-image-1.5",
  "gpt-image-2",
  "gpt-image-2.5-flare",
  "gpt-image-2.5-sunburst",
  "gpt-image-2.6-flare",
  "gpt-image-2.6-sunburst",
] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const QUALITIES = ["low", "medium", "high", "xhigh", "max", "auto"] as const;
export type Quality = (typeof QUALITIES)[number];

export const OUTPUT_FORMATS = ["webp", "png", "jpeg", "gif", "svg"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** How much the model plans the layout before drawing (GPT Image 2.6). */
export const COMPLEXITIES = ["low", "medium", "high"] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

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
  /** The models to move to, the provider's recommendation first; empty when there is none. */
  successors: readonly ModelId[];
  note: string;
}

/** An integer setting's bounds and default. */
export interface IntRange {
  min: number;
  max: number;
  default: number;
}

/** Animated GIF output (GPT Image 2.6): the model renders its frames on one sheet, which must fit the size rules. */
export interface GifRule {
  frameCount: IntRange;
  /** Delay per frame; the model rounds it to `step` milliseconds. */
  frameDurationMs: IntRange & { step: number };
  /** The sheet's grid for up to `frames` frames (ascending): `columns` x `rows` frames of the asked size. */
  sheets: readonly { frames: number; columns: number; rows: number }[];
}

/** Vector output (GPT Image 2.6): one image per request, generation only, priced `creditFactor` times the raster. */
export interface SvgRule {
  creditFactor: number;
}

/** US dollars per million tokens. */
export interface TokenPrices {
  textInput: number;
  imageInput: number;
  imageOutput: number;
}

export interface ModelEntry {
  id: ModelId;
  /** Other ids that name this same entry (OpenAI's dated snapshots); a request may use any of them. */
  aliases: readonly string[];
  /** The id Leonardo's API (and so its dialect) uses; 2.5 and 2.6 carry an `openai/` prefix there. */
  leonardoId: string;
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
  /** null: the model takes no complexity. */
  complexity: { values: readonly Complexity[]; default: Complexity } | null;
  outputFormats: readonly OutputFormat[];
  /** Rules of the gif and svg formats, where outputFormats lists them; null elsewhere. */
  gif: GifRule | null;
  svg: SvgRule | null;
  defaultOutputFormat: OutputFormat;
  backgrounds: readonly Background[];
  /** Backgrounds that need an output format with alpha. */
  transparentFormats: readonly OutputFormat[];
  quantity: { native: number; leonardo: number };
  references: { native: number; leonardo: number; strength: boolean; inputFidelity: boolean };
  /** Whether the Leonardo dialect accepts `seed` for this model (seed 000 lists it, seed 001 does not). */
  leonardoSeed: boolean;
  maxPromptLength: number;
  /** Credits per image, by quality (seed 002), for each of the model's qualities; an operator's CREDIT_PRICES go over them. */
  credits: Readonly<Partial<Record<Quality, number>>>;
  /** OpenAI's list prices, for the USD estimate of the tokens a job reported (GET /v2/usage); null where none is known. */
  tokenPrices: TokenPrices | null;
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
  /** The model's layout planning, for a model that takes it (always set there, to its default if not asked). */
  complexity?: Complexity;
  /** The animation of gif output (always set when outputFormat is gif). */
  gif?: { frameCount: number; frameDurationMs: number };
}
