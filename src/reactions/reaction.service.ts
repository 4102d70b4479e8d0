import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { Broadcaster } from '../realtime/broadcaster';
import { ServerEvent } from '../common/contract';
import { ContractError, notFound } from '../common/contract-error';
import { ReactionDto } from './dto/reaction.dto';
import { ReactionRepository } from './reaction.repository';
import { ReactionAction, ReactionCounts } from './reaction.scripts';
import { AccessPolicy } from '../rooms/access-policy';

/** Distinct emoji one message may carry; a new one beyond it is refused, existing ones may still be added to. */
export const MAX_DISTINCT_EMOJI_PER_MESSAGE = 20;

@Injectable()
export class ReactionService {
  constructor(
    private readonly reactions: ReactionRepository,
    private readonly broadcaster: Broadcaster,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * One reaction per user per emoji per message. The room hears `reaction` when something changed (the
   * reacting connection excepted, like `message`); a repeated add or a remove of nothing only answers the counts.
   */
  async react(
    connection: Connection,
    { room, messageId, emoji }: ReactionDto,
    action: ReactionAction,
  ): Promise<{ messageId: string; reactions: ReactionCounts }> {
    this.access.requireAccess(connection, 'room.write', room);
    const userId = connection.user.id;
    const result = await this.reactions.react(room, messageId, action, emoji, userId, MAX_DISTINCT_EMOJI_PER_MESSAGE);
    if (result.status === 'not_found') throw notFound(`message ${messageId}`);
    if (result.status === 'too_many_emoji') {
      throw new ContractError('validation_failed', `a message carries at most ${MAX_DISTINCT_EMOJI_PER_MESSAGE} different emoji`, {
        fields: { emoji: ['too many different emoji on this message'] },
        limit: MAX_DISTINCT_EMOJI_PER_MESSAGE,
      });
    }
    if (result.status === 'changed') {
      this.broadcaster.toRooms(
        room,
        ServerEvent.Reaction,
        { room, messageId, emoji, userId, action, reactions: result.reactions },
        { exceptConnection: connection.id },
      );
    }
    return { messageId, reactions: result.reactions };
  }
}
