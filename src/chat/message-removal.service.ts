import { Injectable, Logger } from '@nestjs/common';
import { AuthUser } from '../common/auth-user';
import type { Connection } from '../common/connection';
import { ServerEvent } from '../common/contract';
import { forbidden, notFound } from '../common/contract-error';
import { AppEvents } from '../events/app-events.service';
import { HoldSet } from '../holds/legal-hold';
import { LegalHolds } from '../holds/legal-holds.service';
import { Broadcaster } from '../realtime/broadcaster';
import { MessageRefDto } from '../rooms/dto/message-ref.dto';
import { AccessPolicy } from '../rooms/access-policy';
import { RoomStore } from '../rooms/room-store';
import { AttachmentService } from '../attachments/attachment.service';
import { SearchIndexWriter } from '../search/search-index.writer';
import { audienceOf, removeAttachments } from './message-effects';

/** Who deletes what retention removes, as `message:deleted` and the webhook event name it. */
export const RETENTION_ACTOR = 'retention';

/** Deleting messages: by their author or a moderator (`message:delete`, the admin API), and by retention. */
@Injectable()
export class MessageRemovalService {
  private readonly logger = new Logger(MessageRemovalService.name);

  constructor(
    private readonly messages: RoomStore,
    private readonly broadcaster: Broadcaster,
    private readonly access: AccessPolicy,
    private readonly attachments: AttachmentService,
    private readonly searchIndex: SearchIndexWriter,
    private readonly holds: LegalHolds,
    private readonly events: AppEvents,
  ) {}

  /** An admin may delete in any room, DM rooms included (moderation), though not join a DM room. */
  async deleteFromConnection(connection: Connection, { room, messageId }: MessageRefDto): Promise<{ room: string; messageId: string }> {
    this.access.requireAccess(connection.user, 'message.delete', room);
    await this.deleteMessage(room, messageId, connection.user, connection);
    return { room, messageId };
  }

  /**
   * By its author, or by whoever may moderate the room (also over REST). The room hears `message:deleted`; history
   * stops serving it. `origin`, when the request came from a connection, does not hear its own deletion. A message
   * under a legal hold is hidden the same way but archived, with its attachments, for export (docs/COMPLIANCE.md).
   */
  async deleteMessage(room: string, messageId: string, by: AuthUser, origin?: Connection): Promise<void> {
    await this.remove(room, messageId, by.id, this.access.hasAccess(by, 'room.moderate', room), await this.holds.current(), origin);
  }

  /**
   * Retention: a message past its room's age goes as an admin's deletion would (`by: "retention"`), with its
   * reactions, thread link, attachments and index entries. The sweeper skips held messages and passes the holds it
   * read once for its whole batch.
   */
  async expire(room: string, messageId: string, holds: HoldSet): Promise<void> {
    await this.remove(room, messageId, RETENTION_ACTOR, true, holds);
  }

  private async remove(room: string, messageId: string, by: string, mayDeleteAny: boolean, holds: HoldSet, origin?: Connection): Promise<void> {
    const result = await this.messages.delete(room, messageId, by, mayDeleteAny, { isRoomHeld: holds.isRoomHeld(room), heldUsers: holds.heldUsers() });
    if (result.status === 'not_found') throw notFound(`message ${messageId}`);
    if (result.status === 'not_allowed') throw forbidden('only the author or an admin may delete a message');
    if (result.isArchived) await this.holds.noteHeldDeletions(room);
    const deletion = { room, messageId, by };
    this.broadcaster.toRooms(audienceOf(room, this.broadcaster), ServerEvent.MessageDeleted, deletion, { exceptConnection: origin?.id });
    this.searchIndex.unindex(room, [messageId]);
    if (result.isArchived)
      await this.attachments.keepForHold(
        room,
        result.attachments.map((attachment) => attachment.id),
      );
    else removeAttachments(this.attachments, this.logger, room, result.attachments);
    void this.events.emit('message.deleted', deletion);
  }
}
