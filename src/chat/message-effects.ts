import type { Logger } from '@nestjs/common';
import type { AttachmentService } from '../attachments/attachment.service';
import type { Broadcaster } from '../realtime/broadcaster';
import { dmMembersOf } from '../rooms/dm-rooms';
import type { StoredAttachment } from '../rooms/message.codec';

/** Who hears a change to a room's messages: a DM room's reach both users' every connection, joined or not; other rooms' their members. */
export function audienceOf(room: string, broadcaster: Broadcaster): string[] {
  const pair = dmMembersOf(room);
  return pair ? [room, broadcaster.userAddress(pair[0]), broadcaster.userAddress(pair[1])] : [room];
}

/** Not awaited: the message is gone already, and a file left behind is unreachable. */
export function removeAttachments(attachments: AttachmentService, logger: Logger, room: string, removed: StoredAttachment[]): void {
  if (removed.length === 0) return;
  attachments
    .remove(
      room,
      removed.map((attachment) => attachment.id),
    )
    .catch((error: Error) => logger.warn(`attachments of removed messages in ${room} not removed: ${error.message}`));
}
