import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AuthenticationError } from '../auth/handshake-error';
import { SessionEndCause, SessionService } from '../auth/session.service';
import { SocketAuthenticator } from '../auth/socket-authenticator';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ANONYMOUS_ACTOR, AuditAction, SYSTEM_ACTOR } from './audit-actions';
import { AuditService } from './audit.service';

/** Sessions whose end is a security event; expiry, logout (audited as itself) and shutdown are not. */
const AUDITED_SESSION_ENDS: ReadonlySet<SessionEndCause> = new Set(['banned', 'revoked']);

/** Security events that happen outside the admin routes: refused handshakes and sessions ended by force. */
@Injectable()
export class SecurityAuditHooks implements OnModuleInit {
  constructor(
    private readonly audit: AuditService,
    private readonly authenticator: SocketAuthenticator,
    private readonly sessions: SessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.authenticator.onRefusal((socket, error) => this.recordRefusal(socket, error));
    this.sessions.onSessionsEnding((userId, cause, connections) => this.recordSessionsEnding(userId, cause, connections));
  }

  private recordRefusal(socket: Socket, error: AuthenticationError): Promise<void> {
    return this.audit.record({
      actor: error.userId ?? ANONYMOUS_ACTOR,
      action: AuditAction.HandshakeRefused,
      target: error.userId ? { userId: error.userId } : {},
      details: { code: error.code, message: error.message, address: socket.handshake.address },
    });
  }

  private async recordSessionsEnding(userId: string, cause: SessionEndCause, connections: number): Promise<void> {
    if (!AUDITED_SESSION_ENDS.has(cause)) return;
    await this.audit.record({
      actor: SYSTEM_ACTOR,
      action: AuditAction.SessionEnded,
      target: { userId },
      details: { cause, connections, node: this.config.nodeId },
    });
  }
}
