// OpenAI's image models as the simulator knows them (PROVIDERS.md, MODELS-2026-12.md §3.2): which ids exist, what each
// family takes, and the checks a request must pass beyond the body schema. The simulator keeps this table itself: it is
// the outside world, so it never reads the gateway's catalogue.

export type OpenAIFamily = {
  /** false: only the three gpt-image-1.5 sizes; true: any WxH within gpt-image-2's rules. */
  customSizes: boolean;
  qualities: readonly string[];
  complexity: boolean;
  formats: readonly string[];
  inputFidelity: boolean;
};

const GPT_IMAGE_15: OpenAIFamily = {
  customSizes: false,
  qualities: ["low", "medium", "high", "auto"],
  complexity: false,
  formats: ["png", "jpeg", "webp"],
  inputFidelity: true,
};
const GPT_IMAGE_2: OpenAIFamily = { ...GPT_IMAGE_15, customSizes: true, inputFidelity: false };
const GPT_IMAGE_25: OpenAIFamily = { ...GPT_IMAGE_2, qualities: ["low", "medium", "high", "xhigh", "max", "auto"] };
const GPT_IMAGE_26: OpenAIFamily = { ...GPT_IMAGE_25, complexity: true, formats: ["png", "jpeg", "webp", "gif", "svg"] };

type OpenAIModel = { id: string; released: string; shutdownDate: string | null; family: OpenAIFamily };

const model = (id: string, released: string, family: OpenAIFamily, shutdownDate: string | null = null): OpenAIModel => ({
  id,
  released,
  shutdownDate,
  family,
});

/** Every id the Images API takes; dated snapshots are models of their own in GET /v1/models. */
export const OPENAI_MODELS: readonly OpenAIModel[] = [
  model("gpt-image-1.5", "2025-12-16", GPT_IMAGE_15, "2026-12-01"),
  model("gpt-image-1.5-2025-12-16", "2025-12-16", GPT_IMAGE_15, "2026-12-01"),
  model("gpt-image-2", "2026-04-21", GPT_IMAGE_2),
  model("gpt-image-2-2026-04-21", "2026-04-21", GPT_IMAGE_2),
  model("gpt-image-2.5-flare", "2026-09-08", GPT_IMAGE_25),
  model("gpt-image-2.5-flare-2026-09-08", "2026-09-08", GPT_IMAGE_25),
  model("gpt-image-2.5-sunburst", "2026-09-08", GPT_IMAGE_25),
  model("gpt-image-2.5-sunburst-2026-09-08", "2026-09-08", GPT_IMAGE_25),
  model("gpt-image-2.6-flare", "2026-11-04", GPT_IMAGE_26),
  model("gpt-image-2.6-sunburst", "2026-11-04", GPT_IMAGE_26),
];

export const OPENAI_MODEL_IDS = OPENAI_MODELS.map((m) => m.id) as [string, ...string[]];
export const familyOf = (id: string): OpenAIFamily => OPENAI_MODELS.find((m) => m.id === id)!.family;

const GPT15_SIZES = ["1024x1024", "1536x1024", "1024x1536"];
const MAX_EDGE = 3840;
const MAX_PIXELS = 3840 * 2160;
const MIN_PIXELS = 655_360;

/**
 * The grid a GIF's frames are drawn on before they are cut apart (measured, MODELS-2026-12.md §3.2: square frames cap
 * at 960 up to 9 frames, 816 up to 12, 720 up to 16, exactly these grids at the pixel limit). The sheet, not the
 * frame, must fit the size limits.
 */
export function gifGrid(frames: number): [columns: number, rows: number] {
  return frames <= 9 ? [3, 3] : frames <= 12 ? [4, 3] : [4, 4];
}

/** The largest square frame whose sheet fits: the frame size when a GIF request names none (assumed; undocumented). */
function defaultGifSide(frames: number): number {
  const [columns, rows] = gifGrid(frames);
  const side = Math.min(MAX_EDGE / Math.max(columns, rows), Math.sqrt(MAX_PIXELS / (columns * rows)));
  return Math.floor(side / 16) * 16;
}

/** Pixel size for `size`, or the reason it is refused; for a GIF, `gifFrames` makes the sheet the thing that must fit. */
export function openaiSize(family: OpenAIFamily, size: string | undefined, gifFrames?: number): [number, number] | string {
  if (size === undefined && gifFrames !== undefined) return [defaultGifSide(gifFrames), defaultGifSide(gifFrames)];
  if (size === undefined || (size === "auto" && !family.customSizes)) return [1024, 1024];
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!family.customSizes)
    return m !== null && GPT15_SIZES.includes(size)
      ? [Number(m[1]), Number(m[2])]
      : `Invalid value: '${size}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.`;
  if (m === null) return `Invalid value: '${size}'. This model needs WIDTHxHEIGHT (auto is not supported).`;
  const [w, h] = [Number(m[1]), Number(m[2])];
  if (w % 16 !== 0 || h % 16 !== 0) return `Invalid size '${size}': width and height must be multiples of 16.`;
  if (Math.max(w, h) / Math.min(w, h) > 3) return `Invalid size '${size}': the aspect ratio must be at most 3:1.`;
  const [columns, rows] = gifFrames === undefined ? [1, 1] : gifGrid(gifFrames);
  const [sw, sh] = [w * columns, h * rows];
  const what = gifFrames === undefined ? `Invalid size '${size}'` : `Invalid size '${size}' for ${gifFrames} GIF frames (a ${sw}x${sh} sheet)`;
  if (Math.max(sw, sh) > MAX_EDGE || sw * sh > MAX_PIXELS) return `${what}: at most 3840x2160.`;
  if (sw * sh < MIN_PIXELS) return `${what}: at least 655360 pixels.`;
  return [w, h];
}

type OpenAIAsk = {
  model: string;
  quality?: string;
  complexity?: string;
  output_format?: string;
  output_compression?: number;
  frame_count?: number;
  frame_duration_ms?: number;
  n?: number;
  stream?: boolean;
  partial_images?: number;
  input_fidelity?: string;
};

type Refusal = { message: string; param: string; code: string };

const listed = (values: readonly string[]) => `${values.slice(0, -1).map((v) => `'${v}'`).join(", ")}, and '${values.at(-1)}'`;

/** What the model refuses in an otherwise well-formed request (the per-model rules of PROVIDERS.md), or null. */
export function modelRefusal(ask: OpenAIAsk, kind: "generation" | "edit", hasMask: boolean): Refusal | null {
  const family = familyOf(ask.model);
  const format = ask.output_format ?? "png";
  const unsupported = (param: string, message: string): Refusal => ({ param, message, code: "unsupported_parameter" });
  if (ask.quality !== undefined && !family.qualities.includes(ask.quality))
    return { param: "quality", code: "invalid_value", message: `Invalid value: '${ask.quality}'. Supported values for ${ask.model} are: ${listed(family.qualities)}.` };
  if (ask.complexity !== undefined && !family.complexity) return unsupported("complexity", `complexity is not supported with ${ask.model}.`);
  if (!family.formats.includes(format))
    return { param: "output_format", code: "invalid_value", message: `Invalid value: '${format}'. Supported values for ${ask.model} are: ${listed(family.formats)}.` };
  if (ask.input_fidelity !== undefined && !family.inputFidelity) return unsupported("input_fidelity", `input_fidelity is not supported with ${ask.model}.`);
  if (format !== "gif")
    for (const param of ["frame_count", "frame_duration_ms"] as const)
      if (ask[param] !== undefined) return unsupported(param, `${param} is only supported when output_format is 'gif'.`);
  if (format === "gif") {
    // stream: false and partial_images: 0 ask for nothing GIF lacks (assumed: OpenAI documents only the refusal).
    if (ask.stream === true) return unsupported("stream", "GIF output does not support streaming.");
    if ((ask.partial_images ?? 0) > 0) return unsupported("partial_images", "GIF output does not support partial images.");
    if (hasMask) return unsupported("mask", "GIF output does not support a mask.");
    if (ask.output_compression !== undefined) return unsupported("output_compression", "GIF output does not support custom output compression.");
  }
  if (format === "svg") {
    if (kind === "edit") return { param: "output_format", code: "invalid_value", message: "SVG output works only for image generation." };
    if ((ask.n ?? 1) !== 1) return { param: "n", code: "invalid_value", message: `SVG output works only with one image: n must be 1, not ${ask.n}.` };
  }
  return null;
}
