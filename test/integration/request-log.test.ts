import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { DEV_KEY, api, createJob, runToEnd } from "../helpers/api";
import { accountOf, mintAccount } from "../helpers/accounts";

// One structured line per request and per job (when it ends); none of them carries a key, token or secret.

let spy: MockInstance<typeof console.log>;
const lines = (): string[] => spy.mock.calls.map((args) => args.map(String).join(" "));
const records = () =>
  lines().flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

beforeEach(() => {
  spy = vi.spyOn(console, "log");
});
afterEach(() => spy.mockRestore());

describe("logs", () => {
  it("writes one JSON line per request: request id, method, route pattern, status, ms, account", async () => {
    const res = await api("/v2/jobs/6d3c1e2a-0000-4000-8000-00000000abcd", { headers: { "x-request-id": "req-log-test-1" } });
    expect(res.status).toBe(404);
    const line = records().filter((r) => r.msg === "request" && r.requestId === "req-log-test-1");
    expect(line).toEqual([
      { msg: "request", requestId: "req-log-test-1", method: "GET", route: "/v2/jobs/:id", status: 404, ms: expect.any(Number), accountId: "acct_dev" },
    ]);
    expect(res.headers.get("x-request-id")).toBe("req-log-test-1");

    const anonymous = await api("/no/such/route", { key: null, headers: { "x-request-id": "req-log-test-2" } });
    expect(anonymous.status).toBe(404);
    expect(records().find((r) => r.requestId === "req-log-test-2")).toMatchObject({ route: null, status: 404, accountId: null });
  });

  it("never logs the key, the signing secret or a file signature, whatever the request", async () => {
    const wrongKey = "ig_test_wrongwrongwrongwrongwrongwrong12";
    await api("/v2/jobs/x", { key: wrongKey });
    await api("/v2/images/generate", { method: "POST", key: null, headers: { "x-api-key": DEV_KEY }, body: JSON.stringify({ model: "gpt-image-2", prompt: "log probe bad", gptImage2Params: { width: 3840, height: 16 } }) });
    const jobId = await createJob({ model: "gpt-image-2", prompt: "log probe job", gptImage2Params: { quality: "low" } });
    const done = await runToEnd(jobId);
    expect(done.status).toBe("COMPLETED");
    const view = (await (await api(`/v2/jobs/${jobId}`)).json()) as { result: { images: string[] } };
    const fileUrl = new URL(view.result.images[0]!);
    expect((await api(fileUrl.pathname + fileUrl.search, { key: null })).status).toBe(200);

    const all = lines();
    expect(records().filter((r) => r.msg === "request").length).toBeGreaterThanOrEqual(5);
    // One line for the job, when it ended: its progress is in its event log, not in the logs.
    expect(records().filter((r) => r.msg === "job" && r.jobId === jobId)).toEqual([
      expect.objectContaining({ event: "completed", status: "COMPLETED", ms: expect.any(Number), attempts: expect.any(Number) }),
    ]);
    for (const secret of [DEV_KEY, wrongKey, env.FILE_SIGNING_SECRET!, fileUrl.searchParams.get("sig")!]) {
      expect(all.filter((line) => line.includes(secret)), `a log line carries ${secret.slice(0, 10)}…`).toEqual([]);
    }
  });

  it("logs an unknown error's stack once, under the request id its 500 gives the client, on every surface", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      // An account whose rate-limit table is gone: every create fails inside the AccountDO with SQLite's own error.
      const { key, accountId } = await mintAccount({ credits: 100 });
      await runInDurableObject(accountOf(accountId), (_instance, state) => void state.storage.sql.exec("DROP TABLE buckets"));
      const creates: Array<[string, unknown]> = [
        ["/v2/images/generate", { prompt: "unknown error", model: "gpt-image-2" }],
        ["/v1/images/generations", { prompt: "unknown error", model: "gpt-image-2" }],
        ["/api/rest/v2/generations", { model: "gpt-image-2", parameters: { prompt: "unknown error", quantity: 1, width: 1024, height: 1024 } }],
      ];
      for (const [i, [path, body]] of creates.entries()) {
        const requestId = `req-unknown-error-${i}`;
        const res = await api(path, { method: "POST", key, body: JSON.stringify(body), headers: { "x-request-id": requestId } });
        const text = await res.text();
        expect([path, res.status]).toEqual([path, 500]);
        expect(res.headers.get("x-request-id")).toBe(requestId);
        expect(text).toContain("The request id identifies it in our logs");
        expect(text).not.toMatch(/buckets/);

        const logged = errors.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>).filter((r) => r.requestId === requestId);
        expect(logged).toEqual([{ msg: "unknown error", requestId, error: expect.stringMatching(/no such table: buckets[^]*\n\s+at /) }]);
      }
    } finally {
      errors.mockRestore();
    }
  });
});
