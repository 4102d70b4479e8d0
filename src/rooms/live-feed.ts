import type { MessageAttachment, StoredMessage } from '../common/contract';
import type { LiveMessage } from '../realtime/room-feed-source';
import { MessageDraft, messageFromDraft } from './message.codec';

/**
 * What the append script publishes on a room's live channel (`roomKeys.live`): the connection that must not hear
 * the message (it has it in its ack; empty for none), a newline, then the stored message as JSON. The node
 * encodes everything but the id and `createdAt`, which only Redis knows: the script splices them in by string
 * concatenation (`head .. id .. body .. ms .. '}'`), cheaper than a cjson round trip and free of its number
 * formatting. Connection ids hold no newline.
 */

/** The payload's two parts the script completes; `attachments`: as served (with download links), if any. */
export function liveFeedParts(
  room: string,
  draft: MessageDraft,
  exceptConnection: string | undefined,
  attachments: MessageAttachment[],
): [head: string, body: string] {
  const { id: _id, createdAt: _createdAt, ...fields } = messageFromDraft(room, '', draft);
  const json = JSON.stringify(attachments.length > 0 ? { ...fields, attachments } : fields);
  return [`${exceptConnection ?? ''}\n{"id":"`, `",${json.slice(1, -1)},"createdAt":`];
}

export function decodeLiveMessage(payload: string): LiveMessage {
  const newline = payload.indexOf('\n');
  const message = JSON.parse(payload.slice(newline + 1)) as StoredMessage;
  return newline > 0 ? { message, exceptConnection: payload.slice(0, newline) } : { message };
}
