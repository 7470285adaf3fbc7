import { describe, expect, it } from "vitest";
import { postJson, sim, tag } from "../sim/testing.ts";

// The simulator's webhook receiver (test/sim/receiver.ts): programmed answers, raw bodies, redirects, forgetting.

describe("simulator webhook receiver", () => {
  it("records each request byte for byte and answers the programmed statuses, then 200", async () => {
    const name = tag();
    expect((await sim(`/receiver/${name}`, postJson({ statuses: [503, 410] }))).status).toBe(200);
    const body = '{"b": 1,  "a":"ü"}';
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`https://hooks.test/${name}`, { method: "POST", headers: { "content-type": "application/json", "webhook-id": `msg_${i}` }, body });
      answers.push(res.status);
    }
    expect(answers).toEqual([503, 410, 200]);
    const { received } = (await (await sim(`/receiver/${name}`)).json()) as { received: Array<Record<string, any>> };
    expect(received.map((r) => [r.method, r.path, r.body, r.headers["webhook-id"], r.status])).toEqual([
      ["POST", `/${name}`, body, "msg_0", 503],
      ["POST", `/${name}`, body, "msg_1", 410],
      ["POST", `/${name}`, body, "msg_2", 200],
    ]);
  });

  it("answers a programmed 3xx with a Location, and forgets a receiver on DELETE", async () => {
    const name = tag();
    await sim(`/receiver/${name}`, postJson({ statuses: [302] }));
    const res = await fetch(`https://hooks.test/${name}`, { method: "POST", body: "{}", redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`https://hooks.test/${name}-redirected`);
    expect(await (await sim(`/receiver/${name}`, { method: "DELETE" })).json()).toEqual({ removed: 1 });
    expect(await (await sim(`/receiver/${name}`)).json()).toEqual({ received: [] });
  });

  it("refuses an invalid program", async () => {
    expect((await sim(`/receiver/${tag()}`, postJson({ statuses: [99] }))).status).toBe(400);
    expect((await sim(`/receiver/${tag()}`, postJson({ unknown: true }))).status).toBe(400);
  });
});
