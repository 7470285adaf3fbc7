import * as z from "../lib/zod";

// The credit ledger: one row of totals that always satisfies granted = balance + reserved + spent, and a balance
// that never goes below zero (the table refuses it, besides the checks here).

const count = () => z.number().check(z.int());
export const Ledger = z.withMeta(z.object({ granted: count(), balance: count(), reserved: count(), spent: count() }), {
  id: "Ledger",
  description: "Credits: granted = balance + reserved + spent. A job reserves its price when admitted; only the images made are charged.",
});
export type Ledger = z.infer<typeof Ledger>;

export const readLedger = (sql: SqlStorage): Ledger =>
  sql.exec<Ledger>("SELECT granted, balance, reserved, spent FROM ledger WHERE id = 1").one();

/** Adds (or, negative, removes) credits. A grant with an id already seen changes nothing. */
export function grantCredits(sql: SqlStorage, amount: number, grantId: string, at: number): "granted" | "duplicate" | "negative" {
  if (sql.exec("SELECT 1 FROM grants WHERE id = ?", grantId).toArray().length > 0) return "duplicate";
  if (readLedger(sql).balance + amount < 0) return "negative";
  sql.exec("INSERT INTO grants (id, amount, at) VALUES (?, ?, ?)", grantId, amount, at);
  sql.exec("UPDATE ledger SET granted = granted + ?, balance = balance + ? WHERE id = 1", amount, amount);
  return "granted";
}

/** Moves `amount` from the balance to reserved; false when the balance is short. */
export function reserveCredits(sql: SqlStorage, amount: number): boolean {
  if (readLedger(sql).balance < amount) return false;
  sql.exec("UPDATE ledger SET balance = balance - ?, reserved = reserved + ? WHERE id = 1", amount, amount);
  return true;
}

/** Ends a reservation: `charge` (≤ reserved) is spent, the rest goes back to the balance. */
export function settleCredits(sql: SqlStorage, reserved: number, charge: number): void {
  const spent = Math.max(0, Math.min(charge, reserved));
  sql.exec(
    "UPDATE ledger SET reserved = reserved - ?, spent = spent + ?, balance = balance + ? WHERE id = 1",
    reserved,
    spent,
    reserved - spent,
  );
}
