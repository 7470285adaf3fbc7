import type { CustomSizeRule, GifRule, ModelEntry, Size } from "./types";

// The size rules of SPEC §3 (seed 001 for custom sizes), and the GIF sheet rule of §3.3.

/** Why a size is not allowed for a model, in words a person can act on; null when it is allowed. A GIF's frames are checked as the sheet they make. */
export function sizeProblem(entry: ModelEntry, { width, height }: Size, gifFrames?: number): string | null {
  const rule = entry.customSize;
  if (gifFrames !== undefined && entry.gif && rule) return gifSheetProblem(entry, rule, entry.gif, { width, height }, gifFrames);
  const presets = Object.values(entry.presets);
  if (presets.some((p) => p.width === width && p.height === height)) return null;
  if (!rule) {
    const allowed = Object.entries(entry.presets).map(([ratio, p]) => `${p.width}x${p.height} (${ratio})`);
    return `${width}x${height} is not a ${entry.id} size: use one of ${allowed.join(", ")}`;
  }
  const multiple = multipleProblem(entry, rule, { width, height });
  if (multiple) return multiple;
  const long = Math.max(width, height);
  const pixels = width * height;
  if (long >= rule.maxEdgeExclusive) {
    const side = width >= height ? "width" : "height";
    return `${side} ${long} is too large: ${entry.id} needs max(width, height) < ${rule.maxEdgeExclusive}`;
  }
  const ratio = ratioProblem(entry, rule, { width, height });
  if (ratio) return ratio;
  if (pixels < rule.minPixels) return `${width}x${height} has ${pixels} pixels, too few: ${entry.id} needs at least ${rule.minPixels} (width x height)`;
  if (pixels > rule.maxPixels) return `${width}x${height} has ${pixels} pixels, too many: ${entry.id} allows at most ${rule.maxPixels} (width x height)`;
  return null;
}

function multipleProblem(entry: ModelEntry, rule: CustomSizeRule, { width, height }: Size): string | null {
  if (width % rule.multipleOf !== 0) return `width ${width} is not a multiple of ${rule.multipleOf}: ${entry.id} needs both sides to be multiples of ${rule.multipleOf}`;
  if (height % rule.multipleOf !== 0) return `height ${height} is not a multiple of ${rule.multipleOf}: ${entry.id} needs both sides to be multiples of ${rule.multipleOf}`;
  return null;
}

function ratioProblem(entry: ModelEntry, rule: CustomSizeRule, { width, height }: Size): string | null {
  if (Math.max(width, height) > rule.maxRatio * Math.min(width, height)) {
    return `${width}x${height} is too elongated: ${entry.id} needs max(width, height) / min(width, height) <= ${rule.maxRatio}`;
  }
  return null;
}

/** The grid a GIF of `frames` frames is rendered on. */
export function gifSheet(gif: GifRule, frames: number): { columns: number; rows: number } {
  return gif.sheets.find((s) => frames <= s.frames) ?? gif.sheets[gif.sheets.length - 1]!;
}

/** The largest square frame a gif of `frames` frames can have (OpenAI's `size: "auto"` for a gif); null without gif. */
export function largestGifFrame(entry: ModelEntry, frames: number): Size | null {
  if (!entry.gif || !entry.customSize) return null;
  const { columns, rows } = gifSheet(entry.gif, frames);
  const side = largestSquareFrame(entry.customSize, columns, rows);
  return { width: side, height: side };
}

/** The largest square frame whose sheet fits the rule. */
function largestSquareFrame(rule: CustomSizeRule, columns: number, rows: number): number {
  const byEdge = Math.floor((rule.maxEdgeExclusive - 1) / Math.max(columns, rows));
  const byPixels = Math.floor(Math.sqrt(rule.maxPixels / (columns * rows)));
  return Math.floor(Math.min(byEdge, byPixels) / rule.multipleOf) * rule.multipleOf;
}

function gifSheetProblem(entry: ModelEntry, rule: CustomSizeRule, gif: GifRule, size: Size, frames: number): string | null {
  const shape = multipleProblem(entry, rule, size) ?? ratioProblem(entry, rule, size);
  if (shape) return shape;
  const { columns, rows } = gifSheet(gif, frames);
  const sheet = { width: size.width * columns, height: size.height * rows };
  const pixels = sheet.width * sheet.height;
  const what = `a ${frames}-frame GIF of ${size.width}x${size.height} is drawn as ${columns}x${rows} frames on one ${sheet.width}x${sheet.height} sheet`;
  const fit = `frames of at most ${largestSquareFrame(rule, columns, rows)}x${largestSquareFrame(rule, columns, rows)} fit`;
  if (Math.max(sheet.width, sheet.height) >= rule.maxEdgeExclusive) return `${what}, too large: ${entry.id} needs its max(width, height) < ${rule.maxEdgeExclusive}; ${fit}`;
  if (pixels > rule.maxPixels) return `${what} of ${pixels} pixels, too many: ${entry.id} allows at most ${rule.maxPixels}; ${fit}`;
  if (pixels < rule.minPixels) return `${what} of ${pixels} pixels, too few: ${entry.id} needs at least ${rule.minPixels}`;
  return null;
}

/** The preset name of a size, or null for a custom size. */
export function presetOf(entry: ModelEntry, { width, height }: Size): string | null {
  return Object.entries(entry.presets).find(([, p]) => p.width === width && p.height === height)?.[0] ?? null;
}
