import { Message, MessageAttachment } from '../common/contract';
import { timeOfStreamId } from '../redis/stream-ids';

/** A message as a stream entry. Short field names: they are stored once per message. */
const FIELD = { userId: 'u', name: 'n', content: 'c', clientMsgId: 'm', replyTo: 'r', mentions: '@', attachments: 'a' } as const;

/** For scripts of other features that read a message's author straight from the stream. */
export const STREAM_AUTHOR_FIELD = FIELD.userId;
/** For the room scripts that follow a reply to its root, and hand back a removed message's attachments. */
export const STREAM_REPLY_TO_FIELD = FIELD.replyTo;
export const STREAM_ATTACHMENTS_FIELD = FIELD.attachments;

/** An attachment as a message stores it: its download link is made fresh each time the message is served. */
export type StoredAttachment = Omit<MessageAttachment, 'url'>;

/** A message as the room store reads it: the contract's `Message` with its attachments as stored. */
export interface RoomMessage extends Omit<Message, 'attachments'> {
  attachments?: StoredAttachment[];
}

export interface MessageDraft {
  userId: string;
  name?: string;
  content: string;
  clientMsgId?: string;
  replyTo?: string;
  /** Parsed once at send; stored space-separated (user ids in mentions hold no space). */
  mentions?: string[];
  attachments?: StoredAttachment[];
}

export function encodeMessage(draft: MessageDraft): string[] {
  const fields = [FIELD.userId, draft.userId, FIELD.content, draft.content];
  if (draft.name !== undefined) fields.push(FIELD.name, draft.name);
  if (draft.clientMsgId !== undefined) fields.push(FIELD.clientMsgId, draft.clientMsgId);
  if (draft.replyTo !== undefined) fields.push(FIELD.replyTo, draft.replyTo);
  if (draft.mentions?.length) fields.push(FIELD.mentions, encodeMentions(draft.mentions));
  if (draft.attachments?.length) fields.push(FIELD.attachments, JSON.stringify(draft.attachments));
  return fields;
}

/** The stream id doubles as the creation time: its first part is Redis's clock in ms at XADD. */
export function decodeMessage(room: string, id: string, fields: string[]): RoomMessage {
  const message: RoomMessage = { id, room, userId: '', content: '', createdAt: timeOfStreamId(id) };
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1];
    switch (fields[i]) {
      case FIELD.userId:
        message.userId = value;
        break;
      case FIELD.name:
        message.name = value;
        break;
      case FIELD.content:
        message.content = value;
        break;
      case FIELD.clientMsgId:
        message.clientMsgId = value;
        break;
      case FIELD.replyTo:
        message.replyTo = value;
        break;
      case FIELD.mentions:
        message.mentions = decodeMentions(value);
        break;
      case FIELD.attachments:
        message.attachments = JSON.parse(value) as StoredAttachment[];
        break;
    }
  }
  return message;
}

/** Mentions as the stream and the edits hash keep them: space-separated (user ids hold no space), '' for none. */
export const encodeMentions = (mentions: string[]): string => mentions.join(' ');
const decodeMentions = (encoded: string): string[] => (encoded ? encoded.split(' ') : []);

/**
 * Applies what the read script found beside an entry: its latest edit (JSON) and reaction counts (JSON). An edit
 * carries the mentions of its content; edits stored before edits re-parsed mentions carry none and keep the sent ones.
 */
export function withOverlays(message: RoomMessage, edit: string | null, reactions: string | null): RoomMessage {
  if (edit) {
    const { content, editedAt, mentions } = JSON.parse(edit) as { content: string; editedAt: number; mentions?: string };
    message.content = content;
    message.editedAt = editedAt;
    if (mentions !== undefined) {
      const named = decodeMentions(mentions);
      if (named.length > 0) message.mentions = named;
      else delete message.mentions;
    }
  }
  if (reactions) {
    const counts = JSON.parse(reactions) as Record<string, number>;
    if (Object.keys(counts).length > 0) message.reactions = counts;
  }
  return message;
}

/** A root message's thread: how many replies it has and when the newest came (absent without replies). */
export function withThread(message: RoomMessage, replyCount: number, lastReplyId: string | null): RoomMessage {
  if (replyCount > 0 && lastReplyId) {
    message.replyCount = replyCount;
    message.lastReplyAt = timeOfStreamId(lastReplyId);
  }
  return message;
}

export function messageFromDraft(room: string, id: string, draft: MessageDraft): RoomMessage {
  const { attachments, mentions, ...rest } = draft;
  return {
    id,
    room,
    ...rest,
    ...(mentions?.length ? { mentions } : {}),
    ...(attachments?.length ? { attachments } : {}),
    createdAt: timeOfStreamId(id),
  };
}
