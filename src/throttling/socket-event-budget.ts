import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig, ThrottleConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { EventBudget } from '../realtime/event-budget';
import { throttleTrackers } from './keys';
import { RateLimitReporter } from './rate-limit.reporter';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** How much of a user's window a node takes at once: a twentieth, so that a few nodes sharing a user waste little. */
const LEASE_FRACTION = 20;

interface Lease {
  remaining: number;
  /** Until when the slice may be spent: the end of the window Redis granted it in. */
  validUntil: number;
  /** The window is spent cluster-wide until then. */
  isExhausted: boolean;
  /** Set while a slice is on its way: the events that arrived meanwhile, in arrival order. */
  waiting?: WaitingEvent[];
}

interface WaitingEvent {
  isAdmission: boolean;
  decide: (decision: BudgetDecision) => void;
  fail: (error: unknown) => void;
}

export type BudgetDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * One budget of socket events per user and window, shared by every node through Redis and spent in slices:
 * a node asks Redis for a slice (one script call) and spends it locally, so most events cost no round trip.
 * The cluster never admits more than the limit; a user spread over several nodes may be refused up to one
 * unspent slice per node early. With a limit under 20 every event asks Redis, which keeps small limits exact.
 */
@Injectable()
export class SocketEventBudget implements EventBudget, OnModuleDestroy {
  private readonly window: ThrottleConfig;
  private readonly sliceSize: number;
  private readonly leases = new Map<string, Lease>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly storage: RedisThrottlerStorage,
    private readonly limits: RateLimitReporter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.window = config.throttle.ws;
    this.sliceSize = Math.max(1, Math.floor(this.window.limit / LEASE_FRACTION));
    this.sweeper = setInterval(() => this.forgetEndedWindows(), Math.max(this.window.ttlMs, 1000));
    this.sweeper.unref();
  }

  get isEnabled(): boolean {
    return this.window.limit > 0;
  }

  /**
   * Synchronous while the node holds a slice; a promise only when it has to ask Redis. Decisions are made in the
   * order events arrive: while a slice is on its way no event spends synchronously, and each waiting event's
   * promise is settled directly, in turn, so that the router hands events on in the order they came (a promise
   * chained through another one would resume later than one that arrived after it).
   */
  spend(userId: string, isAdmission = false): BudgetDecision | Promise<BudgetDecision> {
    const lease = this.leases.get(userId);
    const now = Date.now();
    if (lease && !lease.waiting && lease.validUntil > now) {
      if (lease.remaining > 0) {
        lease.remaining -= 1;
        return { allowed: true };
      }
      if (lease.isExhausted) return { allowed: false, retryAfterMs: lease.validUntil - now };
    }
    return new Promise((decide, fail) => this.wait(userId, lease, { isAdmission, decide, fail }));
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** One request to Redis per user at a time: events arriving meanwhile wait, in order, for the same slice. */
  private wait(userId: string, current: Lease | undefined, event: WaitingEvent): void {
    if (current?.waiting) {
      current.waiting.push(event);
      return;
    }
    const lease: Lease = current ?? { remaining: 0, validUntil: 0, isExhausted: false };
    this.leases.set(userId, lease);
    lease.waiting = [event];
    this.refill(userId, lease);
  }

  private refill(userId: string, lease: Lease): void {
    const waiting = lease.waiting!;
    this.storage.grant(throttleTrackers.socketEvents(userId), this.window.ttlMs, this.window.limit, this.sliceSize, waiting[0].isAdmission).then(
      ({ granted, msToExpire }) => {
        lease.remaining = granted;
        lease.isExhausted = granted === 0;
        lease.validUntil = Date.now() + msToExpire;
        this.serveWaiting(userId, lease);
      },
      (error: unknown) => {
        lease.waiting = undefined;
        for (const event of waiting) event.fail(error);
      },
    );
  }

  /**
   * The waiting events spend the slice just granted, whatever the clock says now (Redis counted it in its window
   * already); those it does not cover ask for the next slice, still ahead of any event that arrives later.
   */
  private serveWaiting(userId: string, lease: Lease): void {
    const waiting = lease.waiting!;
    let served = 0;
    for (; served < waiting.length; served++) {
      if (lease.remaining > 0) {
        lease.remaining -= 1;
        waiting[served].decide({ allowed: true });
      } else if (lease.isExhausted) {
        waiting[served].decide({ allowed: false, retryAfterMs: Math.max(0, lease.validUntil - Date.now()) });
      } else break;
    }
    waiting.splice(0, served);
    if (waiting.length === 0) lease.waiting = undefined;
    else this.refill(userId, lease);
  }

  private forgetEndedWindows(): void {
    const now = Date.now();
    for (const [userId, lease] of this.leases) if (lease.validUntil <= now && !lease.waiting) this.leases.delete(userId);
  }

  refused(userId: string, retryAfterMs: number): void {
    this.limits.refused('socket_events', { userId }, retryAfterMs);
  }
}
