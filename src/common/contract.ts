/** The public contract's names, defined once: event names, error codes and the ack envelope. */

export const CHAT_NAMESPACE = '/chat';

export const ClientEvent = {
  RoomJoin: 'room:join',
  RoomLeave: 'room:leave',
  MessageSend: 'message:send',
  MessageEdit: 'message:edit',
  MessageDelete: 'message:delete',
  MessageHistory: 'message:history',
  Typing: 'typing',
  ReactionAdd: 'reaction:add',
  ReactionRemove: 'reaction:remove',
  ReceiptRead: 'receipt:read',
  DmSend: 'dm:send',
  PresenceList: 'presence:list',
  AuthRefresh: 'auth:refresh',
  AttachmentCreate: 'attachment:create',
} as const;

export const ServerEvent = {
  Message: 'message',
  MessageEdited: 'message:edited',
  MessageDeleted: 'message:deleted',
  Typing: 'typing',
  Presence: 'presence',
  Reaction: 'reaction',
  Receipt: 'receipt',
  Moderation: 'moderation',
  Session: 'session',
} as const;

export type ErrorCode =
  | 'validation_failed'
  | 'not_joined'
  | 'not_found'
  | 'forbidden'
  | 'muted'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal';

export type HandshakeErrorCode = 'token_missing' | 'token_invalid' | 'token_expired' | 'token_revoked' | 'banned';

export type SessionEndReason = 'expired' | 'revoked' | 'logout' | 'shutdown';

/** The `moderation` event: what an admin did to this user. `until` (epoch ms) is absent when it does not lapse. */
export interface ModerationNotice {
  action: 'kicked' | 'muted' | 'unmuted' | 'banned';
  room?: string;
  reason?: string;
  until?: number;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export interface Message {
  id: string;
  room: string;
  userId: string;
  name?: string;
  content: string;
  createdAt: number;
  clientMsgId?: string;
  replyTo?: string;
  editedAt?: number;
  reactions?: Record<string, number>;
}

/** 1 to 128 characters of A-Z a-z 0-9 _ . : - */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const DM_ROOM_PREFIX = 'dm:';
