import type { JobSpec } from "../../catalogue";

// The sandbox's picture, drawn the same in every format: a vertical gradient with a few discs over it, all chosen from
// prompt + seed + index, so the same inputs give the same bytes.

export type Rgb = [number, number, number];

export interface Disc {
  cx: number;
  cy: number;
  r: number;
  rgb: Rgb;
}

export interface Art {
  top: Rgb;
  bottom: Rgb;
  discs: Disc[];
}

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

export function sandboxArt(spec: JobSpec, index: number): Art {
  const { width, height } = spec;
  const random = mulberry32(fnv1a(`${spec.prompt}\u0000${spec.seed ?? 0}\u0000${index}`));
  const colour = (): Rgb => [random() * 255, random() * 255, random() * 255].map(Math.floor) as Rgb;
  const top = colour();
  const bottom = colour();
  const discs = Array.from({ length: 3 + Math.floor(random() * 5) }, () => {
    const r = (0.05 + random() * 0.2) * Math.min(width, height);
    return { cx: random() * width, cy: random() * height, r, rgb: colour() };
  });
  return { top, bottom, discs };
}

/** The gradient's colour at `t` (0 at the top, 1 at the bottom). */
export const gradientAt = (art: Art, t: number): Rgb => art.top.map((c, i) => Math.round(c + (art.bottom[i]! - c) * t)) as Rgb;
