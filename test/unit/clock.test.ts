import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { clockOffsetMs } from "../clock/move";

// The test world's clock (test/clock/): every suite runs the same on any day, so TEST_CLOCK can move the whole run.
// These hold with the clock moved or not; moved, they show that Date and alarms agree on the moved time.

const machineNow = () => Date.now() - inject("clockOffsetMs");
const stub = () => env.PROVIDER_HEALTH.get(env.PROVIDER_HEALTH.idFromName(`clock-${crypto.randomUUID()}`));
const alarmOf = (s: DurableObjectStub) => runInDurableObject(s, (_o, state) => state.storage.getAlarm());

describe("TEST_CLOCK", () => {
  it("reads a date as its midnight UTC and a date-time as given, from the machine's clock; refuses anything else", () => {
    expect(Math.abs(clockOffsetMs("2027-12-31") - (Date.parse("2027-12-31T00:00:00Z") - machineNow()))).toBeLessThan(1000);
    expect(Math.abs(clockOffsetMs("2026-11-15T12:30:00Z") - (Date.parse("2026-11-15T12:30:00Z") - machineNow()))).toBeLessThan(1000);
    expect(clockOffsetMs(undefined)).toBe(0);
    expect(() => clockOffsetMs("31/12/2027")).toThrow(/not an ISO date/);
  });

  it("moves every way of reading the time, and nothing else of Date", () => {
    expect(Math.abs(new Date().getTime() - Date.now())).toBeLessThan(1000);
    expect(Math.abs(Date.parse(Date()) - Date.now())).toBeLessThan(2000);
    expect(new Date(0).toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(Date.UTC(2027, 11, 31)).toBe(Date.parse("2027-12-31T00:00:00Z"));
    expect(new Date()).toBeInstanceOf(Date);
  });

  it("keeps a Durable Object's alarm on the moved clock: read back as set, fired when due and not before", async () => {
    const due = stub();
    const later = stub();
    const dueAt = Date.now() + 50;
    await runInDurableObject(due, (_o, state) => state.storage.setAlarm(dueAt));
    await runInDurableObject(later, (_o, state) => state.storage.setAlarm(new Date(Date.now() + 3_600_000)));
    expect(await alarmOf(due)).toBe(dueAt);
    // ProviderHealthDO's alarm prunes its links and, with none left, sets no other: a fired alarm reads back as null.
    const deadline = Date.now() + 10_000;
    while ((await alarmOf(due)) !== null) {
      if (Date.now() > deadline) throw new Error("an alarm due now never fired");
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await alarmOf(later)).not.toBeNull();
  });
});
