/** The public contract's names, defined once: event names, error codes and the ack envelope. */

export const CHAT_NAMESPACE = '/chat';

/** Every client event of the contract (`ClientEventsNamed` below): start-up fails while one has no handler. */
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
  InboxList: 'inbox:list',
  PushSubscribe: 'push:subscribe',
  PushUnsubscribe: 'push:unsubscribe',
  MessageReplies: 'message:replies',
  MessageSearch: 'message:search',
  CallSignal: 'call:signal',
} as const satisfies Record<string, ClientEventName>;

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
  Notification: 'notification',
  Mention: 'mention',
  CallSignal: 'call:signal',
} as const satisfies Record<string, ServerEventName>;

export type ErrorCode =
  | 'validation_failed'
  | 'not_joined'
  | 'not_found'
  | 'forbidden'
  | 'muted'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal'
  /** Admin API only: a legal hold covers what was asked to be removed (409). */
  | 'held';

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

/** The contract's `Message`, the one definition of it: socket events, acks, REST and webhooks alike. */
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
  /** User ids named as `@userId` in the content. */
  mentions?: string[];
  attachments?: MessageAttachment[];
  /** Thread roots only. */
  replyCount?: number;
  lastReplyAt?: number;
}

/** 1 to 128 characters of A-Z a-z 0-9 _ . : - */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const DM_ROOM_PREFIX = 'dm:';

export interface MessageAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  /** A time-limited download link. */
  url: string;
}

/** The name most code knows `Message` by: a message as the room store keeps and serves it. */
export type StoredMessage = Message;

/** An entry of a presence list: the field is always there, `name` null when the user's token carries none. */
export interface PresenceEntry {
  userId: string;
  name: string | null;
  connections: number;
}

export type ReactionCounts = Record<string, number>;
export type CallSignalType = 'invite' | 'offer' | 'answer' | 'ice' | 'hangup' | 'reject';

/* Client → server payloads and ack data, as the contract's table lists them. */
export interface RoomRef {
  room: string;
}
export interface MessageRef extends RoomRef {
  messageId: string;
}
export interface JoinRoomPayload extends RoomRef {
  since?: string;
}
export interface JoinRoomResult {
  room: string;
  messages: StoredMessage[];
  presence: PresenceEntry[];
  lastReadId: string | null;
  unreadCount: number;
  complete?: boolean;
}
export interface SendMessagePayload extends RoomRef {
  content: string;
  clientMsgId?: string;
  replyTo?: string;
  attachments?: string[];
}
export interface EditMessagePayload extends MessageRef {
  content: string;
}
export interface HistoryPayload extends RoomRef {
  before?: string;
  after?: string;
  limit?: number;
}
export interface TypingPayload extends RoomRef {
  isTyping: boolean;
}
export interface ReactionPayload extends MessageRef {
  emoji: string;
}
export interface ReactionResult {
  messageId: string;
  reactions: ReactionCounts;
}
export interface DirectMessagePayload {
  to: string;
  content: string;
  clientMsgId?: string;
}
export interface RefreshPayload {
  token: string;
}
export interface InboxRoom {
  room: string;
  unreadCount: number;
  lastMessage: StoredMessage | null;
  lastReadId: string | null;
}
export interface PushSubscriptionPayload {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}
export interface RepliesPayload extends MessageRef {
  after?: string;
  limit?: number;
}
export interface SearchPayload {
  query: string;
  room?: string;
  limit?: number;
}
export interface AttachmentCreatePayload extends RoomRef {
  filename: string;
  contentType: string;
  size: number;
}
export interface AttachmentCreateResult {
  attachmentId: string;
  uploadUrl: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: number;
}
/** `data`: an SDP description, an ICE candidate or anything the two clients agree on; always an object. */
export interface CallSignalPayload {
  to: string;
  callId: string;
  type: CallSignalType;
  data: Record<string, unknown>;
}
export type Empty = Record<string, never>;

/** Each client event's payload and the `data` of its successful ack. */
export interface ClientEventMap {
  'room:join': [JoinRoomPayload, JoinRoomResult];
  'room:leave': [RoomRef, RoomRef];
  'message:send': [SendMessagePayload, StoredMessage];
  'message:edit': [EditMessagePayload, StoredMessage];
  'message:delete': [MessageRef, MessageRef];
  'message:history': [HistoryPayload, { messages: StoredMessage[] }];
  typing: [TypingPayload, Empty];
  'reaction:add': [ReactionPayload, ReactionResult];
  'reaction:remove': [ReactionPayload, ReactionResult];
  'receipt:read': [MessageRef, Empty];
  'dm:send': [DirectMessagePayload, StoredMessage];
  'presence:list': [RoomRef, { users: PresenceEntry[] }];
  'auth:refresh': [RefreshPayload, { exp: number }];
  'inbox:list': [Empty, { rooms: InboxRoom[] }];
  'push:subscribe': [PushSubscriptionPayload, Empty];
  'push:unsubscribe': [{ endpoint: string }, Empty];
  'message:replies': [RepliesPayload, { messages: StoredMessage[] }];
  'message:search': [SearchPayload, { messages: StoredMessage[]; partial?: true }];
  'attachment:create': [AttachmentCreatePayload, AttachmentCreateResult];
  'call:signal': [CallSignalPayload, { delivered: number }];
}

export type ClientEventName = keyof ClientEventMap;
type Assert<T extends true> = T;
/** Compiles only while `ClientEvent` names every event of `ClientEventMap`, so that start-up checks each one. */
export type ClientEventsNamed = Assert<[Exclude<ClientEventName, (typeof ClientEvent)[keyof typeof ClientEvent]>] extends [never] ? true : false>;
export type ClientPayload<E extends ClientEventName> = ClientEventMap[E][0];
export type ClientResult<E extends ClientEventName> = ClientEventMap[E][1];

/** Socket.IO's typed-events shape, for the server and for typed clients. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientPayload<E>, ack: (answer: Ack<ClientResult<E>>) => void) => void;
};

/** Each server event's payload. */
export interface ServerEventMap {
  message: StoredMessage;
  'message:edited': StoredMessage;
  'message:deleted': { room: string; messageId: string; by: string };
  typing: { room: string; userId: string; isTyping: boolean };
  presence: { room: string; userId: string; name?: string; status: 'joined' | 'left' };
  reaction: { room: string; messageId: string; emoji: string; userId: string; action: 'add' | 'remove'; reactions: ReactionCounts };
  receipt: { room: string; userId: string; messageId: string };
  moderation: ModerationNotice;
  session: { reason: SessionEndReason | 'disconnected' };
  notification: { type: string; data: unknown; at: number };
  mention: { room: string; message: StoredMessage };
  'call:signal': { from: string; callId: string; type: CallSignalType; data: Record<string, unknown> };
}

export type ServerEventName = keyof ServerEventMap;
/** Compiles only while `ServerEvent` names every event of `ServerEventMap`, so that the documents list each one. */
export type ServerEventsNamed = Assert<[Exclude<ServerEventName, (typeof ServerEvent)[keyof typeof ServerEvent]>] extends [never] ? true : false>;

export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerEventMap[E]) => void;
};
