import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ServerEvent } from '../common/contract';
import { notFound } from '../common/contract-error';
import { Broadcaster } from '../realtime/broadcaster';
import { ReceiptRepository } from './receipt.repository';
import { ReadState } from './receipt.scripts';
import { AccessPolicy } from '../rooms/access-policy';

/** Unread counts stop here (clients show "999+"): counting walks the messages, and a join must stay cheap. */
export const UNREAD_COUNT_CAP = 1000;

@Injectable()
export class ReceiptService {
  constructor(
    private readonly receipts: ReceiptRepository,
    private readonly broadcaster: Broadcaster,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * Moves the user's read marker forward. The room hears `receipt`, and so do the user's other connections
   * (joined or not) so that their unread badges follow; a marker that does not move is not announced.
   */
  async markRead(connection: Connection, room: string, messageId: string): Promise<Record<string, never>> {
    this.access.requireAccess(connection, 'room.write', room);
    const userId = connection.user.id;
    const result = await this.receipts.markRead(room, userId, messageId);
    if (result === 'not_found') throw notFound(`message ${messageId}`);
    if (result === 'moved') {
      this.broadcaster.toRooms(
        [room, this.broadcaster.userAddress(userId)],
        ServerEvent.Receipt,
        { room, userId, messageId },
        { exceptConnection: connection.id },
      );
    }
    return {};
  }

  readState(room: string, userId: string): Promise<ReadState> {
    return this.receipts.readState(room, userId, UNREAD_COUNT_CAP);
  }
}
