import type { Type } from '@nestjs/common';
import type { ClientEventName, ClientResult, ServerEventMap, ServerEventName } from '../common/contract';
import type { Conforms } from '../common/conforms';
import { MessageRefDto } from '../rooms/dto/message-ref.dto';
import { RoomDto } from '../rooms/dto/room.dto';
import { MessageDto, MessagesPageDto, PresenceDto } from '../moderation/dto/moderation-responses.dto';
import type { JsonSchema } from './asyncapi-dto-schema';
import {
  AttachmentCreateResultDto,
  CallDeliveryDto,
  CallSignalEventDto,
  EmptyDto,
  InboxDto,
  JoinRoomResultDto,
  MentionDto,
  MessageDeletedDto,
  ModerationNoticeDto,
  NotificationDto,
  PresenceEventDto,
  ReactionEventDto,
  ReactionResultDto,
  ReceiptEventDto,
  RefreshResultDto,
  SearchResultDto,
  SessionNoticeDto,
  TypingEventDto,
} from './socket-payloads.dto';

/**
 * What the AsyncAPI document says of each event beside the payload DTOs of the handlers: a summary, and the DTO
 * class of each ack's data and of each server event's payload. Keyed by the contract's event types and checked
 * against them: a DTO whose fields differ from the contract type's in name, optionality or type does not compile
 * (`Conforms`), nor does an event of the contract left out.
 */
type Documented<Contract> = { [E in keyof Contract]: { summary: string; dto: Type<unknown> } };
type ConformingDtos<Contract, Docs extends Documented<Contract>> = {
  [E in keyof Contract]: {
    dto: Conforms<InstanceType<Docs[E]['dto']>, Contract[E]> extends true ? unknown : `a DTO whose fields are those of the contract's ${E & string}`;
  };
};
const documented =
  <Contract>() =>
  <const Docs extends Documented<Contract>>(docs: Docs & ConformingDtos<Contract, Docs>): Documented<Contract> =>
    docs;

export const CLIENT_EVENTS = documented<{ [E in ClientEventName]: ClientResult<E> }>()({
  'room:join': { summary: 'Join a room; with `since`, the ack carries the messages after it (catch-up), else the latest 50', dto: JoinRoomResultDto },
  'room:leave': { summary: 'Leave a room', dto: RoomDto },
  'message:send': { summary: 'Send a message; a retry with the same clientMsgId is stored once', dto: MessageDto },
  'message:edit': {
    summary: 'Edit a message (author only); its mentions become those of the new content, and users it newly names get mention',
    dto: MessageDto,
  },
  'message:delete': { summary: 'Delete a message (author or admin)', dto: MessageRefDto },
  'message:history': { summary: "A page of a room's history, oldest first", dto: MessagesPageDto },
  typing: { summary: 'Say that the user is (not) typing; expires by itself', dto: EmptyDto },
  'reaction:add': { summary: 'Add a reaction', dto: ReactionResultDto },
  'reaction:remove': { summary: 'Remove a reaction', dto: ReactionResultDto },
  'receipt:read': { summary: 'Mark a message and those before it read', dto: EmptyDto },
  'dm:send': { summary: 'Send a direct message; its room is dm:<lower id>:<higher id>', dto: MessageDto },
  'presence:list': { summary: 'Who is in a room', dto: PresenceDto },
  'auth:refresh': { summary: 'Go on under a newer token of the same user', dto: RefreshResultDto },
  'inbox:list': { summary: "The user's rooms with unread counts, newest message first", dto: InboxDto },
  'push:subscribe': { summary: 'Register a Web Push subscription', dto: EmptyDto },
  'push:unsubscribe': { summary: 'Remove a Web Push subscription', dto: EmptyDto },
  'message:replies': { summary: 'The replies of a thread, oldest first', dto: MessagesPageDto },
  'message:search': { summary: 'Search the rooms the user may read, best matches first', dto: SearchResultDto },
  'attachment:create': {
    summary: 'Reserve an upload; PUT the bytes to uploadUrl, then send the attachmentId with message:send',
    dto: AttachmentCreateResultDto,
  },
  'call:signal': { summary: 'Relay a WebRTC signaling message to every connection of a user', dto: CallDeliveryDto },
});

export const SERVER_EVENTS = documented<ServerEventMap>()({
  message: { summary: 'A new message in a joined room (not to the sending socket itself)', dto: MessageDto },
  'message:edited': { summary: 'A message was edited', dto: MessageDto },
  'message:deleted': { summary: 'A message was deleted', dto: MessageDeletedDto },
  typing: { summary: 'Someone is (no longer) typing', dto: TypingEventDto },
  presence: { summary: 'First connection of a user in, last connection out', dto: PresenceEventDto },
  reaction: { summary: 'A reaction was added or removed', dto: ReactionEventDto },
  receipt: { summary: 'A user read up to a message', dto: ReceiptEventDto },
  moderation: { summary: 'What an admin did to this user', dto: ModerationNoticeDto },
  session: { summary: 'Sent just before the server disconnects', dto: SessionNoticeDto },
  notification: { summary: 'A notification from the server API', dto: NotificationDto },
  mention: { summary: 'The user was named as @userId in a message', dto: MentionDto },
  'call:signal': { summary: 'A WebRTC signaling message from another user', dto: CallSignalEventDto },
});

/** The acknowledgement's error side: the same envelope on every event. */
export const ENVELOPE_SCHEMAS: Record<string, JsonSchema> = {
  ErrorBody: {
    type: 'object',
    properties: {
      code: {
        type: 'string',
        enum: ['validation_failed', 'not_joined', 'not_found', 'forbidden', 'muted', 'rate_limited', 'payload_too_large', 'unavailable', 'internal'],
      },
      message: { type: 'string' },
      details: { type: 'object', description: '`retryAfterMs` with rate_limited, `limit` with a room limit, the fields with validation_failed' },
    },
    required: ['code', 'message'],
  },
  AckError: { type: 'object', properties: { ok: { const: false }, error: { $ref: '#/components/schemas/ErrorBody' } }, required: ['ok', 'error'] },
};
