/** The audit trail: one Redis Stream, trimmed to AUDIT_MAX_ENTRIES; the stream id is the entry id and its time. */
export const AUDIT_STREAM_KEY = 'audit:entries';
