import { StoredMessage } from '../common/contract';
import { timeOfStreamId } from '../redis/stream-ids';

/** A message as a stream entry. Short field names: they are stored once per message. */
const FIELD = { userId: 'u', name: 'n', content: 'c', clientMsgId: 'm', replyTo: 'r', mentions: '@' } as const;

/** For scripts of other features that read a message's author straight from the stream. */
export const STREAM_AUTHOR_FIELD = FIELD.userId;

export interface MessageDraft {
  userId: string;
  name?: string;
  content: string;
  clientMsgId?: string;
  replyTo?: string;
  /** Parsed once at send; stored space-separated (user ids in mentions hold no space). */
  mentions?: string[];
}

export function encodeMessage(draft: MessageDraft): string[] {
  const fields = [FIELD.userId, draft.userId, FIELD.content, draft.content];
  if (draft.name !== undefined) fields.push(FIELD.name, draft.name);
  if (draft.clientMsgId !== undefined) fields.push(FIELD.clientMsgId, draft.clientMsgId);
  if (draft.replyTo !== undefined) fields.push(FIELD.replyTo, draft.replyTo);
  if (draft.mentions?.length) fields.push(FIELD.mentions, draft.mentions.join(' '));
  return fields;
}

/** The stream id doubles as the creation time: its first part is Redis's clock in ms at XADD. */
export function decodeMessage(room: string, id: string, fields: string[]): StoredMessage {
  const message: StoredMessage = { id, room, userId: '', content: '', createdAt: timeOfStreamId(id) };
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1];
    switch (fields[i]) {
      case FIELD.userId: message.userId = value; break;
      case FIELD.name: message.name = value; break;
      case FIELD.content: message.content = value; break;
      case FIELD.clientMsgId: message.clientMsgId = value; break;
      case FIELD.replyTo: message.replyTo = value; break;
      case FIELD.mentions: message.mentions = value.split(' '); break;
    }
  }
  return message;
}

/** Applies what the read script found beside an entry: its latest edit (JSON) and reaction counts (JSON). */
export function withOverlays(message: StoredMessage, edit: string | null, reactions: string | null): StoredMessage {
  if (edit) {
    const { content, editedAt } = JSON.parse(edit) as { content: string; editedAt: number };
    message.content = content;
    message.editedAt = editedAt;
  }
  if (reactions) {
    const counts = JSON.parse(reactions) as Record<string, number>;
    if (Object.keys(counts).length > 0) message.reactions = counts;
  }
  return message;
}

export function messageFromDraft(room: string, id: string, { mentions, ...draft }: MessageDraft): StoredMessage {
  return { id, room, ...draft, ...(mentions?.length ? { mentions } : {}), createdAt: timeOfStreamId(id) };
}
