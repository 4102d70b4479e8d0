/** Every action the audit trail records, defined once. Admin routes name theirs with `@Audited`. */
export const AuditAction = {
  RoomsList: 'rooms.list',
  RoomPresenceRead: 'room.presence.read',
  RoomMessagesRead: 'room.messages.read',
  MessageDelete: 'message.delete',
  UserKick: 'user.kick',
  UserMute: 'user.mute',
  UserUnmute: 'user.unmute',
  UserBan: 'user.ban',
  UserUnban: 'user.unban',
  UserTokensRevoke: 'user.tokens.revoke',
  AuditRead: 'audit.read',
  HandshakeRefused: 'handshake.refused',
  Logout: 'auth.logout',
  RateLimitHit: 'rate_limit.hit',
  SessionEnded: 'session.ended',
  WebhookDeadLettersRead: 'webhook.failed.read',
  WebhookReplay: 'webhook.replay',
  ServerMessagePublish: 'server.message.publish',
  ServerBroadcast: 'server.broadcast',
  ServerNotify: 'server.notify',
  ServerDisconnect: 'server.disconnect',
  RetentionSet: 'room.retention.set',
  RetentionRemove: 'room.retention.remove',
  HoldPlace: 'hold.place',
  HoldsRead: 'holds.read',
  HoldRelease: 'hold.release',
  RoomExport: 'room.export',
  UserDataExport: 'user.data.export',
  UserErase: 'user.erase',
  AuditVerify: 'audit.verify',
} as const;

export type AuditActionName = (typeof AuditAction)[keyof typeof AuditAction];

/** The actions that change what users may do or see: each goes out as a `moderation.action` webhook event. */
export const MODERATION_ACTIONS: ReadonlySet<string> = new Set<AuditActionName>([
  AuditAction.MessageDelete,
  AuditAction.UserKick,
  AuditAction.UserMute,
  AuditAction.UserUnmute,
  AuditAction.UserBan,
  AuditAction.UserUnban,
  AuditAction.UserTokensRevoke,
]);

/**
 * What backend services did through the server API: a share of the trail of its own (AUDIT_MAX_ENTRIES of them at
 * most), trimmed apart from the rest, so that no volume of service calls pushes out admin, moderation or security
 * entries (docs/ADMIN.md).
 */
export const SERVER_API_ACTIONS: ReadonlySet<string> = new Set<AuditActionName>([
  AuditAction.ServerMessagePublish,
  AuditAction.ServerBroadcast,
  AuditAction.ServerNotify,
  AuditAction.ServerDisconnect,
]);

/** Which share of the trail an entry counts against when the trail is trimmed, and whose hash chain it extends. */
export type AuditShare = 'server-api' | 'main';

export const shareOf = (action: string): AuditShare => (SERVER_API_ACTIONS.has(action) ? 'server-api' : 'main');

/** Who or what an action applied to; only the parts that apply are present. */
export interface AuditTarget {
  userId?: string;
  room?: string;
  messageId?: string;
}

/**
 * `actor` is the user id that acted; `anonymous` when no verified identity exists (a refused handshake with a
 * missing or invalid token), `system` when the server acted on an order (a node ending sessions after a ban).
 */
export interface AuditRecord {
  actor: string;
  action: AuditActionName;
  target: AuditTarget;
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  /** The stream id: sorts in recording order, usable as the `before` cursor. */
  id: string;
  /** Epoch milliseconds. */
  at: number;
  actor: string;
  action: string;
  target: AuditTarget;
  details: Record<string, unknown>;
  /** SHA-256 link of the trail's hash chain (docs/COMPLIANCE.md); absent on entries written before the chain. */
  hash?: string;
}

/** The result of walking the trail's hash chain. */
export interface AuditVerification {
  ok: boolean;
  /** Entries whose link was checked. */
  entries: number;
  /** The first entry whose link does not hold: changed, or following a removed entry. */
  brokenAt?: string;
}

export const ANONYMOUS_ACTOR = 'anonymous';
export const SYSTEM_ACTOR = 'system';
