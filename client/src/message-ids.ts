/** Message ids are Redis stream ids, `<ms>-<seq>`: compared as two numbers, they sort in send order within a room. */
export function isAfter(id: string, than: string | undefined): boolean {
  if (than === undefined) return true;
  const [ms, seq] = id.split('-').map(Number);
  const [thanMs, thanSeq] = than.split('-').map(Number);
  return ms > thanMs || (ms === thanMs && seq > thanSeq);
}

/**
 * A fresh idempotency key for one send. `crypto.getRandomValues` rather than `randomUUID`: the latter exists in
 * browsers only in secure contexts, and a development page may be served over plain http on a LAN address.
 */
export function newClientMsgId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
