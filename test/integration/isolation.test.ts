import { beforeAll, describe, expect, it } from "vitest";
import { api, createJob, runToEnd } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";

// Tenant isolation: a job, its routes and its private files belong to one account; every other account gets 404,
// exactly as for a job that does not exist, so no tenant learns what another has.

let owner: TestAccount;
let other: TestAccount;
let jobId: string;
let filePath: string; // /v2/files/<key> without a signature
let signedPath: string;
let uploadPath: string;

/** Every route that names a job, with what its owner gets for the (ended) job. */
const JOB_ROUTES: [string, (id: string) => string, number][] = [
  ["GET", (id) => `/v2/jobs/${id}`, 200],
  ["GET", (id) => `/v2/jobs/${id}/events`, 200],
  ["GET", (id) => `/v2/jobs/${id}/deliveries`, 200],
  ["POST", (id) => `/v2/jobs/${id}/cancel`, 409],
];

beforeAll(async () => {
  owner = await mintAccount({ credits: 100 });
  other = await mintAccount({ credits: 100 });
  jobId = await createJob({ prompt: "isolation", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, owner.key);
  await runToEnd(jobId);
  const view = (await (await api(`/v2/jobs/${jobId}`, { key: owner.key })).json()) as { result: { images: string[] } };
  const url = new URL(view.result.images[0]!);
  signedPath = url.pathname + url.search;
  filePath = url.pathname;
  const f = new FormData();
  f.append("file", new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])], "x.png"));
  const uploaded = (await (await api("/v2/uploads", { method: "POST", body: f, key: owner.key })).json()) as { url: string };
  uploadPath = new URL(uploaded.url).pathname;
});

async function notFound(res: Response): Promise<Record<string, unknown>> {
  expect(res.status).toBe(404);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, unknown>;
}

describe("tenant isolation", () => {
  it.each(JOB_ROUTES)("%s %s on another account's job is 404, as for a job that does not exist", async (method, route, ownerStatus) => {
    const own = await api(route(jobId), { method, key: owner.key });
    expect(own.status).toBe(ownerStatus);
    await own.body?.cancel();
    const theirs = await notFound(await api(route(jobId), { method, key: other.key }));
    const absent = crypto.randomUUID();
    const missing = await notFound(await api(route(absent), { method, key: other.key }));
    expect({ ...theirs, detail: String(theirs.detail).replace(jobId, "ID"), requestId: null }).toEqual({
      ...missing,
      detail: String(missing.detail).replace(absent, "ID"),
      requestId: null,
    });
  });

  it("lists only the caller's jobs", async () => {
    const mine = (await (await api("/v2/jobs", { key: owner.key })).json()) as { data: { id: string }[] };
    expect(mine.data.map((j) => j.id)).toContain(jobId);
    const theirs = (await (await api("/v2/jobs", { key: other.key })).json()) as { data: { id: string }[] };
    expect(theirs.data.map((j) => j.id)).not.toContain(jobId);
  });

  it.each([
    ["a generated image", () => filePath],
    ["an upload", () => uploadPath],
  ])("hides %s from another account's key (404), refuses it without a key (403), serves it signed", async (_name, path) => {
    await notFound(await api(path(), { key: other.key }));
    expect((await api(path(), { method: "HEAD", key: other.key })).status).toBe(404);
    await notFound(await api(`${path()}?exp=9999999999&sig=${"0".repeat(64)}`, { key: other.key }));
    expect((await api(path(), { key: null })).status).toBe(403);
    expect((await api(path(), { key: owner.key })).status).toBe(403);
  });

  it("serves the signed URL to whoever holds it (a capability)", async () => {
    expect((await api(signedPath, { key: null })).status).toBe(200);
    expect((await api(signedPath, { key: other.key })).status).toBe(200);
  });

  it("makes job ids random UUIDs", async () => {
    const a = await createJob({ prompt: "isolation: id a", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, owner.key);
    const b = await createJob({ prompt: "isolation: id b", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, owner.key);
    for (const id of [a, b]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });
});
