import type { ModelEntry, OutputFormat } from "./types";

// The rules across fields of SPEC §3.3 (gif, svg, transparency), once for every dialect. A surface says what was
// asked (`OutputAsk`) and what it calls each field (`AskNames`); it gets back which of its fields break which rule.

export interface OutputAsk {
  format: OutputFormat;
  background: string;
  quantity: number;
  references: number;
  frameCount?: number;
  frameDurationMs?: number;
  stream?: boolean;
  partialImages?: number;
  mask?: boolean;
  compression?: boolean;
}

export type AskField = Exclude<keyof OutputAsk, "format"> | "format";

/** The dialect's name for each field (as its clients write it). */
export type AskNames = Readonly<Record<AskField, string>>;

export interface AskProblem {
  field: AskField;
  message: string;
}

export function outputProblems(entry: ModelEntry, ask: OutputAsk, names: AskNames): AskProblem[] {
  const problems: AskProblem[] = [];
  const format = `${names.format} ${ask.format}`;
  if (ask.format !== "gif") {
    for (const field of ["frameCount", "frameDurationMs"] as const) {
      if (ask[field] !== undefined) problems.push({ field, message: `${names[field]} is only for ${names.format} gif, not ${ask.format}` });
    }
  } else {
    if (ask.stream) problems.push({ field: "stream", message: `${format} cannot be streamed: leave ${names.stream} off` });
    if (ask.partialImages) problems.push({ field: "partialImages", message: `${format} has no partial images: leave ${names.partialImages} out or 0` });
    if (ask.mask) problems.push({ field: "mask", message: `${format} takes no ${names.mask}` });
    if (ask.compression) problems.push({ field: "compression", message: `${format} takes no ${names.compression}` });
  }
  if (ask.format === "svg") {
    if (ask.quantity > 1) problems.push({ field: "quantity", message: `${format} makes one image per request: ${names.quantity} must be 1, not ${ask.quantity}` });
    if (ask.references > 0) problems.push({ field: "references", message: `${format} is for generation only: it takes no ${names.references}` });
  }
  if (ask.background === "transparent" && !entry.transparentFormats.includes(ask.format)) {
    problems.push({
      field: "background",
      message: `${names.background} "transparent" needs ${names.format} ${entry.transparentFormats.join(" or ")}, not ${ask.format}`,
    });
  }
  return problems;
}

/** A gif's frame delay as the model applies it: rounded to its step. */
export function roundedFrameDuration(entry: ModelEntry, ms: number): number {
  const step = entry.gif?.frameDurationMs.step ?? 1;
  return Math.round(ms / step) * step;
}
