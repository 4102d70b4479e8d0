import type { Socket } from 'socket.io-client';
import { Ack, request } from './clients';
import type { RoomFollower } from './room-follower';

/** Pause between one client's sends: steady load without flooding a shared test machine. */
const SEND_GAP_MS = 10;

export interface SendOutcome {
  clientMsgId: string;
  sentAt: number;
  answeredAt: number;
  /** The ack, or undefined when none came (the connection dropped or the wait ran out). */
  ack?: Ack;
}

/**
 * One client sending to `room`, each message with its own clientMsgId (content = that id), until stopped or
 * disconnected for good: `parallel` sends on the wire at once, each followed by the next when its ack arrives.
 * With a `follower`, a client that reconnects by itself pauses until it has rejoined, then goes on.
 * Records every outcome so that a test can compare acks with history.
 */
export class Traffic {
  readonly outcomes: SendOutcome[] = [];
  private running = true;
  private readonly waiters: { check: (outcomes: SendOutcome[]) => boolean; resolve: () => void }[] = [];
  readonly done: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly room: string,
    private readonly prefix: string,
    parallel = 1,
    private readonly follower?: RoomFollower,
  ) {
    this.done = Promise.all(Array.from({ length: parallel }, (_, lane) => this.run(parallel > 1 ? `${prefix}.${lane}` : prefix))).then(() => undefined);
  }

  get acknowledged(): SendOutcome[] {
    return this.outcomes.filter((outcome) => outcome.ack?.ok);
  }

  /** Resolves once the outcomes so far satisfy `check`. */
  until(check: (outcomes: SendOutcome[]) => boolean, timeoutMs = 15_000): Promise<void> {
    if (check(this.outcomes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`traffic ${this.prefix}: condition not met within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ check, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<SendOutcome[]> {
    this.running = false;
    await this.done;
    return this.outcomes;
  }

  private async run(prefix: string): Promise<void> {
    for (let i = 0; this.running && (this.socket.connected || this.follower?.isFollowing); i++) {
      if (this.follower) await this.follower.joined();
      const clientMsgId = `${prefix}-${i}`;
      const sentAt = Date.now();
      const ack = await request(this.socket, 'message:send', { room: this.room, content: clientMsgId, clientMsgId }).catch(() => undefined);
      this.outcomes.push({ clientMsgId, sentAt, answeredAt: Date.now(), ack });
      for (const waiter of [...this.waiters]) {
        if (!waiter.check(this.outcomes)) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      await new Promise((resolve) => setTimeout(resolve, SEND_GAP_MS));
    }
  }
}
