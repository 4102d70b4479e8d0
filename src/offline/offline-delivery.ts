import { Injectable, Logger } from '@nestjs/common';
import { ServerEvent, StoredMessage } from '../common/contract';
import type { AppEventMap } from '../events/app-events';
import { OnAppEvent } from '../events/on-app-event.decorator';
import { PushService } from '../push/push.service';
import { Broadcaster } from '../realtime/broadcaster';
import { AccessPolicy } from '../rooms/access-policy';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { OnlineUsers } from '../throttling/online-users';

/**
 * What happens to a DM or a message with mentions once it is stored, off the send path (the send does not
 * wait for it): a `mention` to every connection of each mentioned user who may read the room, and a push for
 * each such user (and a DM's peer) who has no live connection anywhere in the cluster.
 *
 * "May read" is judged on the grants of the user's latest token, kept at each handshake (tokens are not
 * stored, and the mentioned user is usually not connected to this node): a DM room is its two users', any other
 * room follows the token's `rooms` claim, as a join would. A user who never connected has no grants, so no
 * mention and no push: nothing would reach them anyway.
 */
@Injectable()
export class OfflineDelivery {
  private readonly logger = new Logger(OfflineDelivery.name);

  constructor(
    private readonly userRooms: UserRoomsRepository,
    private readonly online: OnlineUsers,
    private readonly broadcaster: Broadcaster,
    private readonly push: PushService,
    private readonly access: AccessPolicy,
  ) {}

  @OnAppEvent('message.addressed')
  async deliver({ message, dmPeer, mentioned: named = message.mentions ?? [] }: AppEventMap['message.addressed']): Promise<void> {
    const mentioned = named.filter((userId) => userId !== message.userId);
    const peers = dmPeer && dmPeer !== message.userId ? [dmPeer] : [];
    const addressed = unique([...peers, ...mentioned]);
    const [grants, online] = await Promise.all([this.userRooms.grantsOf(mentioned), this.online.areOnline(addressed)]);
    const readers = mentioned.filter((userId, i) => grants[i] && this.access.hasAccess({ id: userId, ...grants[i]! }, 'room.read', message.room));
    for (const userId of readers) this.broadcaster.toUser(userId, ServerEvent.Mention, { room: message.room, message });

    const isOnline = new Map(addressed.map((userId, i) => [userId, online[i]]));
    for (const userId of unique([...peers, ...readers])) {
      if (!isOnline.get(userId)) this.notify(userId, message);
    }
  }

  private notify(userId: string, message: StoredMessage): void {
    const notification = { type: 'message' as const, room: message.room, messageId: message.id, from: message.userId, preview: message.content };
    this.push
      .notifyOffline(userId, notification)
      .catch((error: Error) => this.logger.warn(`push for ${userId} of ${message.room}/${message.id} not queued: ${error.message}`));
  }
}

const unique = (userIds: string[]) => [...new Set(userIds)];
