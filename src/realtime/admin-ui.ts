import { InMemoryStore, instrument } from '@socket.io/admin-ui';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import { clientAddressKey, compileTrust } from '../common/client-address';
import type { AppConfig } from '../config/app-config';
import { AdminUiGate, AdminUiVerdict } from './admin-ui-gate';

export const ADMIN_UI_NAMESPACE = '/admin';

/**
 * The Socket.IO admin UI's `/admin` namespace, in production mode (no per-socket details kept in memory). Off unless
 * configured: the namespace then does not exist, and a client asking for it hears "Invalid namespace".
 *
 * The password is checked here, through `AdminUiGate` (one bcrypt check at a time, a lock-out per address), not by
 * the UI's own basic authentication, which runs bcrypt for every attempt, concurrently and unthrottled. A sign-in
 * that passes is handed to the UI as a session of its store, as the UI's own check does: the UI then admits it
 * without a second bcrypt, and the browser reconnects with that session id. The UI keeps its basic authentication
 * configured behind this, so that nothing reaches it unchecked.
 */
export function attachAdminUi(server: Server, config: AppConfig): void {
  const adminUi = config.adminUi;
  if (!adminUi) return;
  const store = new InMemoryStore();
  const gate = new AdminUiGate(adminUi);
  const trust = compileTrust(config.trustProxy);
  server.of(ADMIN_UI_NAMESPACE).use((socket, next) => {
    signIn(socket, store, gate, clientAddressKey(socket.request, trust)).then(
      () => next(),
      (error: Error) => next(error),
    );
  });
  instrument(server, {
    namespaceName: ADMIN_UI_NAMESPACE,
    auth: { type: 'basic', username: adminUi.username, password: adminUi.passwordHash },
    store,
    mode: 'production',
    serverId: config.nodeId,
  });
  new Logger('AdminUi').log(`Socket.IO admin UI on namespace ${ADMIN_UI_NAMESPACE} for user ${adminUi.username}`);
}

/** Resolves when the socket may pass on to the UI; rejects with its connect_error otherwise. */
async function signIn(socket: Socket, store: InMemoryStore, gate: AdminUiGate, address: string): Promise<void> {
  const { sessionId, username, password } = socket.handshake.auth as { sessionId?: unknown; username?: unknown; password?: unknown };
  if (typeof sessionId === 'string' && (await store.doesSessionExist(sessionId))) return;
  // a missing password would reach bcrypt, which throws: answered like a wrong one, without a check
  if (typeof username !== 'string' || typeof password !== 'string') throw new Error('invalid credentials');
  const verdict = await gate.check(address, username, password);
  if (!verdict.isAccepted) throw refusalOf(verdict);
  const session = randomBytes(8).toString('hex');
  store.saveSession(session);
  socket.handshake.auth.sessionId = session;
  socket.emit('session', session);
}

function refusalOf(verdict: Exclude<AdminUiVerdict, { isAccepted: true }>): Error {
  if (verdict.reason === 'invalid_credentials') return new Error('invalid credentials');
  const message = verdict.reason === 'locked_out' ? 'too many failed sign-ins from this address' : 'another sign-in is being checked';
  return Object.assign(new Error('rate_limited'), { data: { code: 'rate_limited', reason: verdict.reason, message, retryAfterMs: verdict.retryAfterMs } });
}

/** The hosted admin UI (or a self-hosted copy) is a browser page of its own origin, allowed only when configured. */
export function originsWithAdminUi(config: AppConfig): string[] | '*' {
  const origins = config.corsOrigins;
  if (origins === '*' || !config.adminUi?.corsOrigins.length) return origins;
  return [...origins, ...config.adminUi.corsOrigins];
}
