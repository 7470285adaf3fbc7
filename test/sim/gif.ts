// Real animated GIFs (GPT Image 2.6's gif output): the PNG look (seedLook) in a palette, its gradient sliding one step
// further each frame, so every frame differs and the file is deterministic for a seed.
import { encodeGif } from "../../src/lib/gif.ts";
import { bandShade, cachedRender, seedLook } from "./images.ts";

/** Gradient steps across the width; with up to 11 bands that is ≤ 176 colours, plus one transparent. */
const STEPS = 16;

export type GifAsk = { frames: number; delayMs: number; alpha: boolean };

export function renderGif(width: number, height: number, seed: string, ask: GifAsk): Promise<Uint8Array> {
  const key = `gif/${width}x${height}/${ask.frames}/${ask.delayMs}/${ask.alpha}/${seed}`;
  return cachedRender(key, async () => {
    const { a, b, bands } = seedLook(seed);
    const palette = new Uint8Array((bands * STEPS + 1) * 3);
    for (let band = 0; band < bands; band++)
      for (let step = 0; step < STEPS; step++)
        for (let k = 0; k < 3; k++) {
          const t = step / (STEPS - 1);
          palette[(band * STEPS + step) * 3 + k] = Math.round((a[k]! * (1 - t) + b[k]! * t) * bandShade(band, bands));
        }
    const transparent = bands * STEPS;
    // The transparent bands are every other one, as in a transparent PNG.
    const options = { frames: ask.frames, delayMs: ask.delayMs, palette, transparentIndex: ask.alpha ? transparent : undefined };
    const stream = encodeGif(width, height, options, (frame, y, row) => {
      const band = Math.floor((y * bands) / height);
      const shift = Math.floor((frame * STEPS) / ask.frames);
      if (ask.alpha && band % 2 === 1) row.fill(transparent);
      else for (let x = 0; x < width; x++) row[x] = band * STEPS + ((Math.floor((x * STEPS) / width) + shift) % STEPS);
    });
    return new Uint8Array(await new Response(stream).arrayBuffer());
  });
}
