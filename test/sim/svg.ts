// Real SVG documents (GPT Image 2.6's svg output): the PNG look (seedLook) as vector shapes, a gradient under bands of
// shade, with no backdrop where the background is transparent.
import { bandShade, seedLook } from "./images.ts";

const hex = (c: readonly number[]) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;

export function renderSvg(width: number, height: number, seed: string, { alpha }: { alpha: boolean }): Uint8Array {
  const { a, b, bands } = seedLook(seed);
  const rows: string[] = [];
  for (let band = 0; band < bands; band++) {
    if (alpha && band % 2 === 1) continue;
    const y = Math.floor((band * height) / bands);
    const next = Math.floor(((band + 1) * height) / bands);
    // The gradient is painted at full brightness; each band darkens it to its shade.
    rows.push(`  <rect x="0" y="${y}" width="${width}" height="${next - y}" fill="url(#g)"/>`);
    rows.push(`  <rect x="0" y="${y}" width="${width}" height="${next - y}" fill="#000" fill-opacity="${(1 - bandShade(band, bands)).toFixed(3)}"/>`);
  }
  const text = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="${hex(a)}"/><stop offset="1" stop-color="${hex(b)}"/></linearGradient></defs>`,
    ...rows,
    `</svg>`,
    "",
  ].join("\n");
  return new TextEncoder().encode(text);
}
