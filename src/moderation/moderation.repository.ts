import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ROOM_INDEX_KEY, roomKeys } from '../chat/keys';
import { createdAtOf } from '../chat/message.codec';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { moderationKeys } from './keys';

/** Mutes, the users the cluster has seen, and the room index as admins see it. */
@Injectable()
export class ModerationRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /** The send script refuses the user's messages while this key lives; its TTL is the mute's remaining time. */
  async mute(room: string, userId: string, durationSec: number, details: { by: string; reason?: string }): Promise<void> {
    await this.redis.set(roomKeys.mute(room, userId), JSON.stringify(details), 'EX', durationSec);
  }

  async unmute(room: string, userId: string): Promise<boolean> {
    return (await this.redis.del(roomKeys.mute(room, userId))) === 1;
  }

  async rememberUser(userId: string): Promise<void> {
    await this.redis.set(moderationKeys.knownUser(userId), String(Date.now()));
  }

  async isKnownUser(userId: string): Promise<boolean> {
    return (await this.redis.exists(moderationKeys.knownUser(userId))) === 1;
  }

  async isKnownRoom(room: string): Promise<boolean> {
    return (await this.redis.sismember(ROOM_INDEX_KEY, room)) === 1;
  }

  async rooms(): Promise<string[]> {
    return (await this.redis.smembers(ROOM_INDEX_KEY)).sort();
  }

  /** Epoch ms of each room's newest stored message (its stream id's time), null for an empty room. */
  async lastMessageTimes(rooms: string[]): Promise<(number | null)[]> {
    const newest = await Promise.all(rooms.map((room) => this.redis.xrevrange(roomKeys.messages(room), '+', '-', 'COUNT', 1)));
    return newest.map((entries) => (entries[0] ? createdAtOf(entries[0][0]) : null));
  }
}
