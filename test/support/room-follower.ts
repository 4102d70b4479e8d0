import type { Socket } from 'socket.io-client';
import { requestOk } from './clients';

/** The pause before a handshake or a join refused `unavailable` is tried again. */
const HANDSHAKE_RETRY_MS = 200;

export interface FollowedMessage {
  id: string;
  room: string;
  content: string;
}

interface JoinAck {
  messages: FollowedMessage[];
  complete?: boolean;
}

/**
 * What a client app does with `reconnection: true`: keep the newest message id it saw and, on every
 * (re)connect, rejoin its room with `since`, so that what it missed comes with the join. Messages are kept
 * once each, by id, whether they came live or with a join.
 */
export class RoomFollower {
  /** Every message kept, once each, in id order. */
  readonly seen: FollowedMessage[] = [];
  /** Every message as it arrived, live or with a join, duplicates and all: what "once, in order" is checked on. */
  readonly received: FollowedMessage[] = [];
  readonly joins: Promise<JoinAck>[] = [];
  private readonly seenIds = new Set<string>();
  private retryPending = false;

  constructor(
    private readonly socket: Socket,
    private readonly room: string,
  ) {
    socket.on('message', (message: FollowedMessage) => message.room === room && this.keep([message]));
    socket.on('connect', () => this.join());
    // a handshake refused while the node's Redis recovers: try again shortly, as the contract advises
    socket.on('connect_error', (error) => {
      if (error.message !== 'unavailable') return;
      this.retryPending = true;
      setTimeout(() => {
        this.retryPending = false;
        socket.connect();
      }, HANDSHAKE_RETRY_MS);
    });
    this.join();
  }

  /** Connected, or on its way back. */
  get isFollowing(): boolean {
    return this.socket.active || this.retryPending;
  }

  get lastJoin(): Promise<JoinAck> {
    return this.joins[this.joins.length - 1];
  }

  /**
   * Resolves once the socket is connected and its latest join succeeded: sends may go out again. A join
   * refused `unavailable` (Redis still recovering) is tried again shortly, as the contract advises; any other
   * refusal fails.
   */
  async joined(): Promise<void> {
    for (;;) {
      if (!this.socket.connected) await new Promise<void>((resolve) => this.socket.once('connect', () => resolve()));
      const join = this.lastJoin;
      const failure = await join.then(
        () => undefined,
        (error: Error) => error,
      );
      if (join !== this.lastJoin || !this.socket.connected) continue;
      if (!failure) return;
      if (!failure.message.includes('"code":"unavailable"') && !failure.message.includes('timed out')) throw failure;
      await new Promise((resolve) => setTimeout(resolve, HANDSHAKE_RETRY_MS));
      // several waiters may see the same failure: only the first of them joins again
      if (join === this.lastJoin && this.socket.connected) this.join();
    }
  }

  private join(): void {
    const since = this.seen.at(-1)?.id;
    const joined = requestOk<JoinAck>(this.socket, 'room:join', since ? { room: this.room, since } : { room: this.room });
    this.joins.push(joined);
    void joined.then(
      ({ messages }) => this.keep(messages),
      () => undefined,
    );
  }

  private keep(messages: FollowedMessage[]): void {
    this.received.push(...messages);
    for (const message of messages) {
      if (this.seenIds.has(message.id)) continue;
      this.seenIds.add(message.id);
      this.seen.push(message);
    }
    this.seen.sort((a, b) => compareIds(a.id, b.id));
  }
}

function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
