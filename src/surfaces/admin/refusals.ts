import { ApiError } from "../../lib/errors";
import type { Ledger } from "../../accounts/ledger";

// What /admin refuses, beside validation: shared by the routes and their documentation's examples.

export const disabled = (): ApiError => new ApiError("forbidden", "The admin API is disabled: ADMIN_TOKEN is not set.");
export const refused = (): ApiError => new ApiError("unauthorized", "Send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`.");

/** A grant that would take the balance below zero. */
export const overdrawn = (amount: number, ledger: Ledger): ApiError =>
  new ApiError("unprocessable", `Removing ${amount} credits would take the balance (${ledger.balance}) below zero.`, { extra: { credits: ledger } });
