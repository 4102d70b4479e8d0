import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { MetricsService } from '../metrics/metrics.service';

export type RateLimit = 'socket_events' | 'http_requests' | 'handshakes_per_ip' | 'connections_per_user';

/** Who hit a limit: a verified user, or a client address when there is none. */
export interface LimitedClient {
  userId?: string;
  address?: string;
}

/** A refusal is audited once per client and limit while it lasts, so that a flood cannot flood the trail. */
const AUDIT_AGAIN_AFTER_MS = 60_000;
/** Past this many remembered refusals, the expired ones are forgotten. */
const REMEMBERED_REFUSALS_SWEEP_AT = 10_000;

/**
 * Every refusal by a rate or connection limit: counted in `/metrics` (is a default too tight, or is this an
 * attack?) and written to the audit trail as `rate_limit.hit`, once per client and limit per refusal period
 * on each node.
 */
@Injectable()
export class RateLimitReporter {
  private readonly refusals: Counter<'limit'>;
  private readonly auditedUntil = new Map<string, number>();

  constructor(
    metrics: MetricsService,
    private readonly audit: AuditService,
  ) {
    this.refusals = new Counter({
      name: 'chat_rate_limited_total',
      help: 'Requests, events and handshakes refused by a rate or connection limit',
      labelNames: ['limit'] as const,
      registers: [metrics.registry],
    });
  }

  refused(limit: RateLimit, client: LimitedClient, retryAfterMs?: number): void {
    this.refusals.inc({ limit });
    const now = Date.now();
    const key = `${limit}\n${client.userId ?? ''}\n${client.address ?? ''}`;
    if ((this.auditedUntil.get(key) ?? 0) > now) return;
    this.rememberAudited(key, now + Math.max(retryAfterMs ?? 0, AUDIT_AGAIN_AFTER_MS), now);
    void this.audit.record({
      actor: client.userId ?? 'anonymous',
      action: AuditAction.RateLimitHit,
      target: client.userId ? { userId: client.userId } : {},
      details: { limit, ...(client.address ? { address: client.address } : {}), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    });
  }

  private rememberAudited(key: string, until: number, now: number): void {
    if (this.auditedUntil.size >= REMEMBERED_REFUSALS_SWEEP_AT) {
      for (const [remembered, expiry] of this.auditedUntil) if (expiry <= now) this.auditedUntil.delete(remembered);
    }
    this.auditedUntil.set(key, until);
  }
}
