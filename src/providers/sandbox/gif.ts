import type { JobSpec } from "../../catalogue";
import { encodeGif } from "../../lib/gif";
import { gradientAt, sandboxArt } from "./art";

// The animated sandbox image: the discs of the still picture, each circling its place once over the loop.

/** Palette: 0 transparent, 1..7 the discs, the rest the gradient's steps. */
const TRANSPARENT = 0;
const FIRST_DISC = 1;
const FIRST_STEP = 8;
const STEPS = 256 - FIRST_STEP;
/** How far a disc strays from its place, as a share of the shorter side. */
const ORBIT = 0.08;
/** The golden angle, so that no two discs move in step. */
const PHASE = 2.399963;

export function renderSandboxGif(spec: JobSpec, index: number): ReadableStream<Uint8Array> {
  const { width, height } = spec;
  const { frameCount, frameDurationMs } = spec.gif ?? { frameCount: 9, frameDurationMs: 200 };
  const art = sandboxArt(spec, index);
  const transparent = spec.background === "transparent";
  const palette = new Uint8Array(256 * 3);
  art.discs.forEach((d, i) => palette.set(d.rgb, (FIRST_DISC + i) * 3));
  for (let s = 0; s < STEPS; s++) palette.set(gradientAt(art, s / (STEPS - 1)), (FIRST_STEP + s) * 3);
  const orbit = ORBIT * Math.min(width, height);
  // Where each disc is in each frame, worked out once.
  const places = Array.from({ length: frameCount }, (_, f) =>
    art.discs.map((d, i) => {
      const angle = (2 * Math.PI * f) / frameCount + i * PHASE;
      return { cx: d.cx + orbit * Math.cos(angle), cy: d.cy + orbit * Math.sin(angle), r2: d.r * d.r, colour: FIRST_DISC + i };
    }),
  );
  const options = { frames: frameCount, delayMs: frameDurationMs, palette, ...(transparent ? { transparentIndex: TRANSPARENT } : {}) };
  return encodeGif(width, height, options, (frame, y, row) => {
    row.fill(transparent ? TRANSPARENT : FIRST_STEP + Math.round((height > 1 ? y / (height - 1) : 0) * (STEPS - 1)));
    // Each disc covers one span of the row; later discs paint over earlier ones, as in the PNG.
    for (const d of places[frame]!) {
      const dy = y - d.cy;
      const half = d.r2 - dy * dy;
      if (half < 0) continue;
      const reach = Math.sqrt(half);
      const from = Math.max(0, Math.ceil(d.cx - reach));
      const to = Math.min(width, Math.floor(d.cx + reach) + 1);
      if (from < to) row.fill(d.colour, from, to);
    }
  });
}
