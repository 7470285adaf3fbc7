// `Prefer: wait=N` (RFC 7240): how long a create may be held for its job to end. N above MAX_WAIT_SECONDS is clamped,
// however many digits it has (as RFC 9111 §1.2.2 has a delta-seconds too large to represent read: as a very large one).

export const MAX_WAIT_SECONDS = 60;

/** The wait the client asked for, in seconds (clamped), or null when it asked for none. */
export function preferredWait(header: string | undefined): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    const match = /^\s*wait\s*=\s*"?(\d+)"?\s*(;.*)?$/i.exec(preference);
    if (match) return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
  }
  return null;
}
