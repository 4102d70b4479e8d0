import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { AppEventMap, SessionEndCause } from '../events/app-events';
import { OnAppEvent } from '../events/on-app-event.decorator';
import { ANONYMOUS_ACTOR, AuditAction, SYSTEM_ACTOR } from './audit-actions';
import { AuditService } from './audit.service';

/** Sessions whose end is a security event; expiry, logout (audited as itself) and shutdown are not. */
const AUDITED_SESSION_ENDS: ReadonlySet<SessionEndCause> = new Set(['banned', 'revoked']);

/** Security events that happen outside the admin routes: refused handshakes and sessions ended by force. */
@Injectable()
export class SecurityAuditHooks {
  constructor(
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @OnAppEvent('handshake.refused')
  recordRefusal({ userId, code, message, address }: AppEventMap['handshake.refused']): Promise<void> {
    return this.audit.recordRefusal(
      { actor: userId ?? ANONYMOUS_ACTOR, action: AuditAction.HandshakeRefused, target: userId ? { userId } : {}, details: { code, message, address } },
      code,
      address,
    );
  }

  @OnAppEvent('session.ending')
  async recordSessionsEnding({ userId, cause, connections }: AppEventMap['session.ending']): Promise<void> {
    if (!AUDITED_SESSION_ENDS.has(cause)) return;
    await this.audit.record({
      actor: SYSTEM_ACTOR,
      action: AuditAction.SessionEnded,
      target: { userId },
      details: { cause, connections, node: this.config.nodeId },
    });
  }
}
