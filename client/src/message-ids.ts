/** Message ids are Redis stream ids, `<ms>-<seq>`: compared as two numbers, they sort in send order within a room. */
export function isAfter(id: string, than: string | undefined): boolean {
  if (than === undefined) return true;
  const [ms, seq] = id.split('-').map(Number);
  const [thanMs, thanSeq] = than.split('-').map(Number);
  return ms > thanMs || (ms === thanMs && seq > thanSeq);
}

/**
 * The cursor of a room joined while it had no message: every id is after it, so a rejoin with `since` = it
 * catches up on the whole room. Without it a rejoin would go without `since` and get only the latest page.
 */
export const FIRST_MESSAGE_CURSOR = '0-0';

/**
 * A fresh idempotency key for one send. `crypto.getRandomValues` rather than `randomUUID`: the latter exists in
 * browsers only in secure contexts, and a development page may be served over plain http on a LAN address.
 */
export function newClientMsgId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
