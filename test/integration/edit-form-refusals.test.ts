import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { mintAccount } from "../helpers/accounts";
import { pngBytes } from "../helpers/compat";
import { activeModel } from "../helpers/models";

// A multipart edit streams its files into R2 before the form is validated and the job admitted
// (src/surfaces/openai/edit-form.ts): whatever refuses it afterwards, nothing of it stays in R2.

async function uploadsOf(accountId: string): Promise<string[]> {
  const { objects } = await env.FILES.list({ prefix: "uploads/", include: ["customMetadata"] });
  return objects.filter((o) => o.customMetadata?.accountId === accountId).map((o) => o.key);
}

/** An edit form with its files first, then `fields`. */
async function editForm(fields: Record<string, string>, files: [string, Uint8Array, string][]): Promise<FormData> {
  const form = new FormData();
  for (const [name, bytes, type] of files) form.append(name, new File([bytes], `${name}.bin`, { type }));
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xff, 0xd9]);

describe("refused multipart edits", () => {
  it("leave nothing in R2, whatever refuses them", async () => {
    const entry = activeModel();
    const { key, accountId } = await mintAccount({ credits: 0, requestsPerMinute: 100 });
    const png = await pngBytes(16, 16);
    const base = { model: entry.id, prompt: `refused edit ${crypto.randomUUID()}` };
    const cases: [string, FormData | Uint8Array, number][] = [
      ["an unknown parameter after the files", await editForm({ ...base, style: "vivid" }, [["image", png, "image/png"], ["image", png, "image/png"]]), 400],
      ["a jpeg mask", await editForm(base, [["image", png, "image/png"], ["mask", jpeg, "image/jpeg"]]), 400],
      ["a second file that is no image", await editForm(base, [["image[]", png, "image/png"], ["image[]", new TextEncoder().encode("GIF89a no"), "image/gif"]]), 400],
      ["more images than the model takes", await editForm(base, Array.from({ length: entry.references.native + 1 }, (): [string, Uint8Array, string] => ["image[]", png, "image/png"])), 400],
    ];
    for (const [what, body, status] of cases) {
      const res = await api("/v1/images/edits", { method: "POST", body, key });
      expect(res.status, what).toBe(status);
      expect(await uploadsOf(accountId), what).toEqual([]);
    }
    // A form whose closing "--" is missing: its file and fields were read and stored, the form is still refused.
    const whole = new Response(await editForm(base, [["image", png, "image/png"]]));
    const type = whole.headers.get("content-type")!;
    const bytes = new Uint8Array(await whole.arrayBuffer());
    const boundary = `--${/boundary=(.+)$/.exec(type)![1]}`;
    const end = new TextDecoder("latin1").decode(bytes).lastIndexOf(`${boundary}--`) + boundary.length;
    const cut = await api("/v1/images/edits", { method: "POST", body: bytes.subarray(0, end), key, headers: { "content-type": type } });
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as { error: { message: string } }).error.message).toMatch(/not a valid multipart form/);
    expect(await uploadsOf(accountId)).toEqual([]);
  });

  it("leave nothing in R2 when admission refuses them (402, 429): the route deletes what the form stored", async () => {
    const entry = activeModel();
    const { key, accountId } = await mintAccount({ credits: 0, requestsPerMinute: 1 });
    const form = async () => editForm({ model: entry.id, prompt: `admission ${crypto.randomUUID()}` }, [["image", await pngBytes(16, 16), "image/png"]]);
    expect((await api("/v1/images/edits", { method: "POST", body: await form(), key })).status).toBe(402);
    expect(await uploadsOf(accountId)).toEqual([]);
    expect((await api("/v1/images/edits", { method: "POST", body: await form(), key })).status).toBe(429);
    expect(await uploadsOf(accountId)).toEqual([]);
  });
});
