import { describe, expect, it } from "vitest";
import { encodePng } from "../../src/lib/png";

describe("encodePng", () => {
  it("ends each chunk with the CRC-32 of its type and data (node:zlib's crc32, in workerd)", async () => {
    const png = new Uint8Array(await new Response(encodePng(3, 2, { alpha: true }, (y, row) => row.fill(y))).arrayBuffer());
    const view = new DataView(png.buffer);
    // IHDR (signature 8, length 4, type 4, data 13): the CRC of "IHDR", 3 × 2, 8-bit RGBA, as an independent table gives it.
    expect(view.getUint32(29).toString(16)).toBe("9d74661a");
    // IEND carries no data: its CRC is always AE 42 60 82.
    expect([...png.subarray(-8)]).toEqual([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  });
});
