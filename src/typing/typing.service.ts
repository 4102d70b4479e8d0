import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ServerEvent } from '../common/contract';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Broadcaster } from '../realtime/broadcaster';
import { AccessPolicy } from '../rooms/access-policy';

/** Keystroke-rate `isTyping: true` is relayed at most this often while it stays true. */
const RELAY_INTERVAL_CAP_MS = 2000;

interface TypingState {
  /** The connection that typed last: its leaving the room ends the indicator. */
  connectionId: string;
  lastRelayAt: number;
  expiry: NodeJS.Timeout;
}

/**
 * Typing indicators, held by the node the typist is connected to: nothing is stored, the adapter carries
 * the relays to the other nodes. The room's other members hear a change at once, a renewal at most every
 * relay interval, and `isTyping: false` once the typist stops, leaves, disconnects or stays silent for
 * TYPING_TIMEOUT_MS.
 */
@Injectable()
export class TypingService implements OnModuleInit {
  private readonly timeoutMs: number;
  private readonly relayIntervalMs: number;
  /** room\nuserId -> who is typing where, on this node. */
  private readonly typing = new Map<string, TypingState>();

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly access: AccessPolicy,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.timeoutMs = config.typingTimeoutMs;
    this.relayIntervalMs = Math.min(RELAY_INTERVAL_CAP_MS, Math.floor(config.typingTimeoutMs / 2));
  }

  /** A connection leaving a room (leave, kick, disconnect) ends its indicator there. */
  onModuleInit(): void {
    this.broadcaster.onMembershipChange((room, connection, delta) => {
      if (delta < 0 && this.typing.get(stateKey(room, connection.user.id))?.connectionId === connection.id) this.stop(room, connection.user.id);
    });
  }

  update(connection: Connection, room: string, isTyping: boolean): Record<string, never> {
    this.access.requireAccess(connection, 'room.write', room);
    const userId = connection.user.id;
    if (!isTyping) {
      this.stop(room, userId);
      return {};
    }
    const key = stateKey(room, userId);
    const state = this.typing.get(key);
    const now = Date.now();
    if (!state) {
      this.typing.set(key, { connectionId: connection.id, lastRelayAt: now, expiry: this.expireLater(room, userId) });
      this.relay(room, userId, true);
      return {};
    }
    clearTimeout(state.expiry);
    state.expiry = this.expireLater(room, userId);
    state.connectionId = connection.id;
    if (now - state.lastRelayAt >= this.relayIntervalMs) {
      state.lastRelayAt = now;
      this.relay(room, userId, true);
    }
    return {};
  }

  private stop(room: string, userId: string): void {
    const key = stateKey(room, userId);
    const state = this.typing.get(key);
    if (!state) return;
    clearTimeout(state.expiry);
    this.typing.delete(key);
    this.relay(room, userId, false);
  }

  private expireLater(room: string, userId: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.stop(room, userId), this.timeoutMs);
    timer.unref();
    return timer;
  }

  /** Never to the typist: none of the user's own connections hears it. */
  private relay(room: string, userId: string, isTyping: boolean): void {
    this.broadcaster.toRooms(room, ServerEvent.Typing, { room, userId, isTyping }, { exceptUser: userId });
  }
}

function stateKey(room: string, userId: string): string {
  return `${room}\n${userId}`;
}
