import type { JobSpec } from "../../catalogue";
import { encodePng } from "../../lib/png";
import { gradientAt, sandboxArt } from "./art";
import { renderSandboxGif } from "./gif";
import { renderSandboxSvg } from "./svg";

// The sandbox's image in the job's format: an animated GIF for gif, an SVG document for svg, a PNG otherwise (it
// stands in for webp and jpeg too).

export const sandboxContentType = (spec: JobSpec): string =>
  spec.outputFormat === "gif" ? "image/gif" : spec.outputFormat === "svg" ? "image/svg+xml" : "image/png";

export function renderSandboxImage(spec: JobSpec, index: number): ReadableStream<Uint8Array> {
  if (spec.outputFormat === "gif") return renderSandboxGif(spec, index);
  if (spec.outputFormat === "svg") return renderSandboxSvg(spec, index);
  return renderSandboxPng(spec, index);
}

/** The PNG; with `block` > 1, the coarse look of a partial render (each block x block square one colour). */
export function renderSandboxPng(spec: JobSpec, index: number, block = 1): ReadableStream<Uint8Array> {
  const { width, height } = spec;
  const art = sandboxArt(spec, index);
  const discs = art.discs.map((d) => ({ ...d, r2: d.r * d.r }));
  const alpha = spec.background === "transparent";
  const snap = (v: number, max: number): number => (block > 1 ? Math.min(max - 1, Math.floor(v / block) * block + block / 2) : v);
  return encodePng(width, height, { alpha }, (line, row) => {
    const y = snap(line, height);
    const base = gradientAt(art, height > 1 ? y / (height - 1) : 0);
    const channels = alpha ? 4 : 3;
    for (let x = 0; x < width; x++) {
      let rgb = base;
      let inside = false;
      const sx = snap(x, width);
      for (const d of discs) {
        const dx = sx - d.cx;
        const dy = y - d.cy;
        if (dx * dx + dy * dy <= d.r2) {
          rgb = d.rgb;
          inside = true;
        }
      }
      const o = x * channels;
      row[o] = rgb[0]!;
      row[o + 1] = rgb[1]!;
      row[o + 2] = rgb[2]!;
      if (alpha) row[o + 3] = inside ? 255 : 0;
    }
  });
}
