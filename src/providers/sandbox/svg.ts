import type { JobSpec } from "../../catalogue";
import { sandboxArt, type Rgb } from "./art";

// The vector sandbox image: the still picture as shapes. No script, no external reference, no text from the prompt.

const hex = (rgb: Rgb): string => `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
const num = (n: number): string => String(Math.round(n * 100) / 100);

export function renderSandboxSvg(spec: JobSpec, index: number): ReadableStream<Uint8Array> {
  const { width, height } = spec;
  const art = sandboxArt(spec, index);
  const background =
    spec.background === "transparent"
      ? []
      : [
          `<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">`,
          `<stop offset="0" stop-color="${hex(art.top)}"/><stop offset="1" stop-color="${hex(art.bottom)}"/>`,
          `</linearGradient></defs>`,
          `<rect width="${width}" height="${height}" fill="url(#bg)"/>`,
        ];
  const svg = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...background,
    ...art.discs.map((d) => `<circle cx="${num(d.cx)}" cy="${num(d.cy)}" r="${num(d.r)}" fill="${hex(d.rgb)}"/>`),
    `</svg>`,
    "",
  ].join("\n");
  return new Blob([svg]).stream();
}
