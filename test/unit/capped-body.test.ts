import { describe, expect, it } from "vitest";
import { limitBytes, readCapped } from "../../src/lib/capped-body";
import { FetchFailed } from "../../src/lib/fetch-errors";
import { randomBytes, slowChunks } from "../helpers/bytes";

// A body capped while it streams, read from a byte stream (a fetch or request body) in large reads into one reused
// buffer: what it hands on is the source byte for byte, whatever its consumer's pace, and the cap still holds.

describe("limitBytes", () => {
  it("hands a slow consumer the source's bytes, each chunk its own (the reader's buffer is reused)", async () => {
    const bytes = randomBytes(900_001, 23);
    const chunks = await slowChunks(limitBytes(new Response(bytes).body!, bytes.length));
    expect(new Uint8Array(await new Blob(chunks).arrayBuffer())).toEqual(bytes);
    // In reads of 64 KB or more, not the body's own 4 KB chunks.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(bytes.length / (64 * 1024)));
  });

  it("fails past the cap, a byte over it or many", async () => {
    const bytes = randomBytes(300_000, 29);
    await expect(readCapped(new Response(bytes).body!, bytes.length - 1)).rejects.toSatisfy((err) => err instanceof FetchFailed && err.kind === "too_large");
    expect(await readCapped(new Response(bytes).body!, bytes.length)).toEqual(bytes);
  });
});
