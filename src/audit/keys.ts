/** The audit trail: one Redis Stream, trimmed to AUDIT_MAX_ENTRIES; the stream id is the entry id and its time. */
export const AUDIT_STREAM_KEY = 'audit:entries';
/**
 * Refusals of one kind from one address in one minute, aggregated into one entry. The `{audit:entries}` hash tag
 * puts it in the stream's Redis Cluster slot (an untagged key hashes its whole name), so one script updates both.
 */
export const refusalAggregateKey = (minute: number, code: string, address: string) => `{${AUDIT_STREAM_KEY}}:refusals:${minute}:${code}:${address}`;
/**
 * The ids of the server API's entries in the stream, oldest first: their share of the trail, trimmed apart from
 * the rest. Same `{audit:entries}` slot as the stream, so that one script updates both.
 */
export const SERVER_API_SHARE_KEY = `{${AUDIT_STREAM_KEY}}:server-api-ids`;
/**
 * The hash of the newest entry of each share of the trail (the head of its hash chain, docs/COMPLIANCE.md); same
 * `{audit:entries}` slot as the stream, so that the append script reads and moves it with the entry it adds.
 */
export const chainHeadKey = (share: 'main' | 'server-api') => `{${AUDIT_STREAM_KEY}}:chain-head:${share}`;
/** Hash: the hash of an aggregate's copy removed by its re-append -> the hash its link resolved to (see the script). */
export const CHAIN_SPLICES_KEY = `{${AUDIT_STREAM_KEY}}:chain-splices`;
