import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startGateway, type Gateway } from "./gateway.ts";

// What a real `wrangler dev` prints while a job runs: one JSON line per request and per job transition, and
// nowhere the key, the signing secret or a file signature.

let gw: Gateway;

before(async () => {
  gw = await startGateway();
});
after(async () => {
  await gw?.stop();
});

const workerLines = () =>
  gw.output.flatMap((line) => {
    const start = line.indexOf("{");
    if (start === -1) return [];
    try {
      const value = JSON.parse(line.slice(start)) as Record<string, unknown>;
      return typeof value.msg === "string" ? [value] : [];
    } catch {
      return [];
    }
  });

describe("logs", () => {
  it("carry request and job lines, and no secret", async () => {
    const key = { authorization: `Bearer ${gw.devKey}` };
    const body = JSON.stringify({ model: "gpt-image-2", prompt: "log check", provider: "sandbox", gptImage2Params: { quality: "low" } });
    const created = await fetch(`${gw.origin}/v2/images/generate`, { method: "POST", headers: { ...key, "content-type": "application/json" }, body });
    assert.equal(created.status, 202);
    const requestId = created.headers.get("x-request-id");
    const { jobId } = (await created.json()) as { jobId: string };
    assert.equal((await fetch(`${gw.origin}/v2/jobs/${jobId}`, { headers: { "x-api-key": `${gw.devKey}x` } })).status, 401);

    let job: { status: string; result: { images: string[] } | null };
    const deadline = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 300));
      job = (await (await fetch(`${gw.origin}/v2/jobs/${jobId}`, { headers: { "x-api-key": gw.devKey } })).json()) as typeof job;
    } while (job.status !== "COMPLETED" && Date.now() < deadline);
    assert.equal(job.status, "COMPLETED");
    const file = new URL(job.result!.images[0]!);
    assert.equal((await fetch(file)).status, 200);
    await new Promise((r) => setTimeout(r, 500)); // let wrangler flush its output

    const lines = workerLines();
    assert.deepEqual(
      lines.find((l) => l.msg === "request" && l.requestId === requestId),
      { msg: "request", requestId, method: "POST", route: "/v2/images/generate", status: 202, ms: lines.find((l) => l.requestId === requestId)?.ms, accountId: "acct_dev" },
    );
    assert.ok(lines.some((l) => l.msg === "request" && l.route === "/v2/jobs/:id" && l.status === 401 && l.accountId === null));
    assert.ok(lines.some((l) => l.msg === "job" && l.jobId === jobId && l.status === "COMPLETED"));
    for (const secret of [gw.devKey, gw.signingSecret]) {
      assert.deepEqual(gw.output.filter((line) => line.includes(secret)), [], "wrangler's output carries a secret");
    }
    const sig = file.searchParams.get("sig")!;
    assert.deepEqual(lines.filter((l) => JSON.stringify(l).includes(sig)), [], "a log line carries a file signature");
  });
});
