import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { boundaryOf, readParts } from "../../src/lib/streams/multipart";
import { multipart } from "../../src/providers/multipart";
import { randomBytes, slowChunks } from "../helpers/bytes";

// The multipart body imagegate sends upstream (OpenAI edits, Leonardo uploads), its files streamed from R2: it is
// exactly as long as it says, and a slow upstream reads back the very fields and bytes that went in.

describe("multipart (upstream bodies)", () => {
  it("streams files from R2 as they are, whatever the reader's pace, at the declared length", async () => {
    const files = [randomBytes(700_001, 17), randomBytes(5, 19)];
    for (const [i, file] of files.entries()) await env.FILES.put(`test/multipart-body/${i}.png`, file);
    const form = multipart(
      [["prompt", "a lighthouse"], ["n", "2"]],
      files.map((file, i) => ({
        name: "image[]",
        filename: `${i}.png`,
        contentType: "image/png",
        size: file.length,
        open: async () => (await env.FILES.get(`test/multipart-body/${i}.png`))!.body,
      })),
    );
    const sent = new Uint8Array(await new Blob(await slowChunks(form.body)).arrayBuffer());
    expect(sent.length).toBe(form.length);
    const parts: [string, string | null, Uint8Array][] = [];
    for await (const part of readParts(new Response(sent).body!, boundaryOf(form.contentType)!, { maxParts: 8, maxHeaderBytes: 1024, maxFieldBytes: 1024, maxTotalBytes: 1 << 24 })) {
      parts.push([part.name, part.filename, new Uint8Array(await new Response(part.body).arrayBuffer())]);
    }
    expect(parts.map(([name, filename]) => [name, filename])).toEqual([["prompt", null], ["n", null], ["image[]", "0.png"], ["image[]", "1.png"]]);
    expect(new TextDecoder().decode(parts[0]![2])).toBe("a lighthouse");
    expect(parts[2]![2]).toEqual(files[0]);
    expect(parts[3]![2]).toEqual(files[1]);
  });
});
