import { gptImage15 } from "./gpt-image-1.5";
import { gptImage2 } from "./gpt-image-2";
import type { ModelEntry, ModelId, Quality, Size } from "./types";

export * from "./types";

/** The single source of truth for models: schemas, prices, lifecycle and GET /v2/models all read it. */
export const CATALOGUE: Readonly<Record<ModelId, ModelEntry>> = {
  "gpt-image-1.5": gptImage15,
  "gpt-image-2": gptImage2,
};

export const modelEntries = (): ModelEntry[] => Object.values(CATALOGUE);

export function creditCost(entry: ModelEntry, quality: Quality, quantity: number): number {
  return entry.credits[quality] * quantity;
}

/** Why a size is not allowed for a model, in words a person can act on; null when it is allowed. */
export function sizeProblem(entry: ModelEntry, { width, height }: Size): string | null {
  const presets = Object.values(entry.presets);
  if (presets.some((p) => p.width === width && p.height === height)) return null;
  const rule = entry.customSize;
  if (!rule) {
    const allowed = Object.entries(entry.presets).map(([ratio, p]) => `${p.width}x${p.height} (${ratio})`);
    return `${width}x${height} is not a ${entry.id} size: use one of ${allowed.join(", ")}`;
  }
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const pixels = width * height;
  if (width % rule.multipleOf !== 0) return `width ${width} is not a multiple of ${rule.multipleOf}: ${entry.id} needs both sides to be multiples of ${rule.multipleOf}`;
  if (height % rule.multipleOf !== 0) return `height ${height} is not a multiple of ${rule.multipleOf}: ${entry.id} needs both sides to be multiples of ${rule.multipleOf}`;
  if (long >= rule.maxEdgeExclusive) {
    const side = width >= height ? "width" : "height";
    return `${side} ${long} is too large: ${entry.id} needs max(width, height) < ${rule.maxEdgeExclusive}`;
  }
  if (long > rule.maxRatio * short) return `${width}x${height} is too elongated: ${entry.id} needs max(width, height) / min(width, height) <= ${rule.maxRatio}`;
  if (pixels < rule.minPixels) return `${width}x${height} has ${pixels} pixels, too few: ${entry.id} needs at least ${rule.minPixels} (width x height)`;
  if (pixels > rule.maxPixels) return `${width}x${height} has ${pixels} pixels, too many: ${entry.id} allows at most ${rule.maxPixels} (width x height)`;
  return null;
}

/** The preset name of a size, or null for a custom size. */
export function presetOf(entry: ModelEntry, { width, height }: Size): string | null {
  return Object.entries(entry.presets).find(([, p]) => p.width === width && p.height === height)?.[0] ?? null;
}
