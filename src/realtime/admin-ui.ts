import { instrument } from '@socket.io/admin-ui';
import { Logger } from '@nestjs/common';
import type { Server } from 'socket.io';
import type { AppConfig } from '../config/app-config';

export const ADMIN_UI_NAMESPACE = '/admin';

/**
 * The Socket.IO admin UI's `/admin` namespace, with its own basic authentication (bcrypt hash) and in production
 * mode (no per-socket details kept in memory). Off unless configured: the namespace then does not exist, and a
 * client asking for it hears "Invalid namespace".
 */
export function attachAdminUi(server: Server, config: AppConfig): void {
  const adminUi = config.adminUi;
  if (!adminUi) return;
  // the UI's own check hands a missing password to bcrypt, which throws inside an async middleware: a hanging client and an unhandled rejection
  server.of(ADMIN_UI_NAMESPACE).use((socket, next) => {
    const { username, password } = socket.handshake.auth as { username?: unknown; password?: unknown };
    const mayCheck = typeof socket.handshake.auth.sessionId === 'string' || (typeof username === 'string' && typeof password === 'string');
    next(mayCheck ? undefined : new Error('invalid credentials'));
  });
  instrument(server, {
    namespaceName: ADMIN_UI_NAMESPACE,
    auth: { type: 'basic', username: adminUi.username, password: adminUi.passwordHash },
    mode: 'production',
    serverId: config.nodeId,
  });
  new Logger('AdminUi').log(`Socket.IO admin UI on namespace ${ADMIN_UI_NAMESPACE} for user ${adminUi.username}`);
}

/** The hosted admin UI (or a self-hosted copy) is a browser page of its own origin, allowed only when configured. */
export function originsWithAdminUi(config: AppConfig): string[] | '*' {
  const origins = config.corsOrigins;
  if (origins === '*' || !config.adminUi?.corsOrigins.length) return origins;
  return [...origins, ...config.adminUi.corsOrigins];
}
