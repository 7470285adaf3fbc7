import type { JobSpec } from "../../catalogue";
import { encodePng } from "../../lib/png";

// Deterministic art from prompt + seed + index: same inputs, same bytes.

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Disc {
  cx: number;
  cy: number;
  r2: number;
  rgb: [number, number, number];
}

/** The image; with `block` > 1, the coarse look of a partial render (each block x block square one colour). */
export function renderSandboxImage(spec: JobSpec, index: number, block = 1): ReadableStream<Uint8Array> {
  const { width, height } = spec;
  const random = mulberry32(fnv1a(`${spec.prompt}\u0000${spec.seed ?? 0}\u0000${index}`));
  const colour = (): [number, number, number] => [random() * 255, random() * 255, random() * 255].map(Math.floor) as [number, number, number];
  const top = colour();
  const bottom = colour();
  const discs: Disc[] = Array.from({ length: 3 + Math.floor(random() * 5) }, () => {
    const r = (0.05 + random() * 0.2) * Math.min(width, height);
    return { cx: random() * width, cy: random() * height, r2: r * r, rgb: colour() };
  });
  const alpha = spec.background === "transparent";
  const snap = (v: number, max: number): number => (block > 1 ? Math.min(max - 1, Math.floor(v / block) * block + block / 2) : v);
  return encodePng(width, height, { alpha }, (line, row) => {
    const y = snap(line, height);
    const t = height > 1 ? y / (height - 1) : 0;
    const base = top.map((c, i) => Math.round(c + (bottom[i]! - c) * t));
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
