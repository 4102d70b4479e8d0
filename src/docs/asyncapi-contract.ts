import type { ClientEventName, ServerEventName } from '../common/contract';
import type { JsonSchema } from './asyncapi-dto-schema';

/**
 * What the document says about each event beside what the DTOs say: a summary, the ack's `data` and the server
 * events' payloads (types in common/contract.ts, written here as JSON Schema), and for client events whose handler
 * is not part of this build the payload as the contract lists it. Keyed by the contract's event name types, so
 * that an event added to the contract does not compile until it is documented here.
 */
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 && { required }),
});
const string: JsonSchema = { type: 'string' };
const integer: JsonSchema = { type: 'integer' };
const room: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' };
const messageId: JsonSchema = { type: 'string', pattern: '^\\d{1,15}-\\d{1,15}$', description: 'a Redis stream id, `<ms>-<seq>`' };
const messages = object({ messages: { type: 'array', items: ref('Message') } });
const empty = object({});

export const CONTRACT_SCHEMAS: Record<string, JsonSchema> = {
  Message: object(
    {
      id: messageId,
      room,
      userId: string,
      name: string,
      content: { type: 'string', description: 'plain text, never interpreted as HTML' },
      createdAt: { type: 'integer', description: 'epoch milliseconds' },
      clientMsgId: string,
      replyTo: messageId,
      editedAt: integer,
      reactions: ref('ReactionCounts'),
      mentions: { type: 'array', items: string },
      attachments: { type: 'array', items: ref('Attachment') },
      replyCount: integer,
      lastReplyAt: integer,
    },
    ['id', 'room', 'userId', 'content', 'createdAt'],
  ),
  Attachment: object({ id: string, filename: string, contentType: string, size: integer, url: { type: 'string', description: 'a time-limited download link' } }),
  ReactionCounts: { type: 'object', additionalProperties: integer, description: '{ emoji: count }' },
  CallSignalType: { enum: ['invite', 'offer', 'answer', 'ice', 'hangup', 'reject'] },
  PresenceEntry: object({ userId: string, name: string, connections: integer }, ['userId', 'connections']),
  ErrorBody: object(
    {
      code: { type: 'string', enum: ['validation_failed', 'not_joined', 'not_found', 'forbidden', 'muted', 'rate_limited', 'payload_too_large', 'unavailable', 'internal'] },
      message: string,
      details: { type: 'object', description: '`retryAfterMs` with rate_limited, `limit` with a room limit, the fields with validation_failed' },
    },
    ['code', 'message'],
  ),
  AckError: object({ ok: { const: false }, error: ref('ErrorBody') }),
};

export interface ClientEventDoc {
  summary: string;
  ack: JsonSchema;
  /** The payload as the contract lists it; used only where no handler of this build declares a DTO. */
  contractPayload: JsonSchema;
}

export const CLIENT_EVENTS: Record<ClientEventName, ClientEventDoc> = {
  'room:join': {
    summary: 'Join a room; with `since`, the ack carries the messages after it (catch-up), else the latest 50',
    contractPayload: object({ room, since: messageId }, ['room']),
    ack: object(
      {
        room,
        messages: { type: 'array', items: ref('Message') },
        presence: { type: 'array', items: ref('PresenceEntry') },
        lastReadId: { type: ['string', 'null'] },
        unreadCount: integer,
        complete: { type: 'boolean', description: 'false when more were missed than CATCHUP_MAX: page on with message:history { after }' },
      },
      ['room', 'messages', 'presence'],
    ),
  },
  'room:leave': { summary: 'Leave a room', contractPayload: object({ room }), ack: object({ room }) },
  'message:send': {
    summary: 'Send a message; a retry with the same clientMsgId is stored once',
    contractPayload: object({ room, content: string, clientMsgId: string, replyTo: messageId, attachments: { type: 'array', items: string } }, ['room', 'content']),
    ack: ref('Message'),
  },
  'message:edit': { summary: 'Edit a message (author only); its mentions become those of the new content, and users it newly names get mention', contractPayload: object({ room, messageId, content: string }), ack: ref('Message') },
  'message:delete': { summary: 'Delete a message (author or admin)', contractPayload: object({ room, messageId }), ack: object({ room, messageId }) },
  'message:history': {
    summary: 'A page of a room\'s history, oldest first',
    contractPayload: object({ room, before: messageId, after: messageId, limit: { type: 'integer', minimum: 1, maximum: 100 } }, ['room']),
    ack: messages,
  },
  typing: { summary: 'Say that the user is (not) typing; expires by itself', contractPayload: object({ room, isTyping: { type: 'boolean' } }), ack: empty },
  'reaction:add': { summary: 'Add a reaction', contractPayload: object({ room, messageId, emoji: string }), ack: object({ messageId, reactions: ref('ReactionCounts') }) },
  'reaction:remove': { summary: 'Remove a reaction', contractPayload: object({ room, messageId, emoji: string }), ack: object({ messageId, reactions: ref('ReactionCounts') }) },
  'receipt:read': { summary: 'Mark a message and those before it read', contractPayload: object({ room, messageId }), ack: empty },
  'dm:send': {
    summary: 'Send a direct message; its room is dm:<lower id>:<higher id>',
    contractPayload: object({ to: string, content: string, clientMsgId: string }, ['to', 'content']),
    ack: ref('Message'),
  },
  'presence:list': { summary: 'Who is in a room', contractPayload: object({ room }), ack: object({ users: { type: 'array', items: ref('PresenceEntry') } }) },
  'auth:refresh': { summary: 'Go on under a newer token of the same user', contractPayload: object({ token: string }), ack: object({ exp: integer }) },
  'inbox:list': {
    summary: 'The user\'s rooms with unread counts, newest message first',
    contractPayload: empty,
    ack: object({
      rooms: {
        type: 'array',
        items: object({ room, unreadCount: integer, lastMessage: { oneOf: [ref('Message'), { type: 'null' }] }, lastReadId: { type: ['string', 'null'] } }),
      },
    }),
  },
  'push:subscribe': {
    summary: 'Register a Web Push subscription',
    contractPayload: object({ subscription: object({ endpoint: string, keys: object({ p256dh: string, auth: string }) }) }),
    ack: empty,
  },
  'push:unsubscribe': { summary: 'Remove a Web Push subscription', contractPayload: object({ endpoint: string }), ack: empty },
  'message:replies': {
    summary: 'The replies of a thread, oldest first',
    contractPayload: object({ room, messageId, after: messageId, limit: { type: 'integer', minimum: 1, maximum: 100 } }, ['room', 'messageId']),
    ack: messages,
  },
  'message:search': {
    summary: 'Search the rooms the user may read, best matches first',
    contractPayload: object({ query: string, room, limit: { type: 'integer', minimum: 1, maximum: 50 } }, ['query']),
    ack: object(
      { messages: { type: 'array', items: ref('Message') }, partial: { const: true, description: 'not every readable room or posting was searched' } },
      ['messages'],
    ),
  },
  'attachment:create': {
    summary: 'Reserve an upload; PUT the bytes to uploadUrl, then send the attachmentId with message:send',
    contractPayload: object({ room, filename: string, contentType: string, size: integer }),
    ack: object({ attachmentId: string, uploadUrl: string, method: { const: 'PUT' }, headers: { type: 'object', additionalProperties: string }, expiresAt: integer }),
  },
  'call:signal': {
    summary: 'Relay a WebRTC signaling message to every connection of a user',
    contractPayload: object({ to: string, callId: string, type: ref('CallSignalType'), data: {} }),
    ack: object({ delivered: integer }),
  },
};

export const SERVER_EVENTS: Record<ServerEventName, { summary: string; payload: JsonSchema }> = {
  message: { summary: 'A new message in a joined room (not to the sending socket itself)', payload: ref('Message') },
  'message:edited': { summary: 'A message was edited', payload: ref('Message') },
  'message:deleted': { summary: 'A message was deleted', payload: object({ room, messageId, by: string }) },
  typing: { summary: 'Someone is (no longer) typing', payload: object({ room, userId: string, isTyping: { type: 'boolean' } }) },
  presence: {
    summary: 'First connection of a user in, last connection out',
    payload: object({ room, userId: string, name: string, status: { enum: ['joined', 'left'] } }, ['room', 'userId', 'status']),
  },
  reaction: {
    summary: 'A reaction was added or removed',
    payload: object({ room, messageId, emoji: string, userId: string, action: { enum: ['add', 'remove'] }, reactions: ref('ReactionCounts') }),
  },
  receipt: { summary: 'A user read up to a message', payload: object({ room, userId: string, messageId }) },
  moderation: {
    summary: 'What an admin did to this user',
    payload: object({ action: { enum: ['kicked', 'muted', 'unmuted', 'banned'] }, room, reason: string, until: integer }, ['action']),
  },
  session: {
    summary: 'Sent just before the server disconnects',
    payload: object({ reason: { enum: ['expired', 'revoked', 'logout', 'shutdown', 'disconnected'] } }),
  },
  notification: { summary: 'A notification from the server API', payload: object({ type: string, data: {}, at: integer }) },
  mention: { summary: 'The user was named as @userId in a message', payload: object({ room, message: ref('Message') }) },
  'call:signal': { summary: 'A WebRTC signaling message from another user', payload: object({ from: string, callId: string, type: ref('CallSignalType'), data: {} }) },
};
