import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { isRedisUnavailable } from '../common/redis-errors';
import { AuthenticationError, HandshakeRefusal } from './handshake-error';
import { TokenVerifier } from './token-verifier.service';

/** Where a token travels: `auth.token` for browsers, `Authorization: Bearer` for other clients. */
export function tokenFromHandshake(socket: Socket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return fromAuth;
  return bearerToken(socket.handshake.headers.authorization);
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** A further handshake condition; it refuses by throwing a `HandshakeRefusal`. */
export type HandshakeCheck = (socket: Socket) => Promise<void>;
export type RefusalListener = (socket: Socket, error: AuthenticationError) => Promise<void>;

/**
 * The handshake check of the `/chat` namespace. A refusal reaches the client as `connect_error` with
 * `message: "unauthorized"` and `data.code`; a limit as `message: "rate_limited"`; Redis trouble as
 * `message: "unavailable"`. Other features add checks before the token (they see no user yet) or after it.
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger(SocketAuthenticator.name);
  private readonly refusalListeners: RefusalListener[] = [];
  private readonly checks: Record<'beforeToken' | 'afterToken', HandshakeCheck[]> = { beforeToken: [], afterToken: [] };

  constructor(private readonly verifier: TokenVerifier) {}

  /** Awaited before the client hears the refusal, so that whatever it records exists by then; its failures are logged. */
  onRefusal(listener: RefusalListener): void {
    this.refusalListeners.push(listener);
  }

  addCheck(stage: 'beforeToken' | 'afterToken', check: HandshakeCheck): void {
    this.checks[stage].push(check);
  }

  readonly middleware = (socket: Socket, next: (error?: ExtendedError) => void): void => {
    this.authenticate(socket).then(
      () => next(),
      (error: unknown) => void this.toConnectError(socket, error).then(next),
    );
  };

  private async authenticate(socket: Socket): Promise<void> {
    for (const check of this.checks.beforeToken) await check(socket);
    const token = tokenFromHandshake(socket);
    if (!token) throw new AuthenticationError('token_missing', 'no token: pass auth.token or Authorization: Bearer');
    socket.data.user = await this.verifier.verify(token);
    // independent of each other (a connection lease, the user registry): one round trip for all of them
    await Promise.all(this.checks.afterToken.map((check) => check(socket)));
  }

  private async toConnectError(socket: Socket, error: unknown): Promise<ExtendedError> {
    if (error instanceof AuthenticationError) {
      for (const outcome of await Promise.allSettled(this.refusalListeners.map((listener) => listener(socket, error)))) {
        if (outcome.status === 'rejected') this.logger.warn(`a refusal listener failed: ${String(outcome.reason)}`);
      }
      return Object.assign(new Error('unauthorized'), { data: { code: error.code, message: error.message } });
    }
    if (error instanceof HandshakeRefusal) return Object.assign(new Error(error.message), { data: error.data });
    if (isRedisUnavailable(error)) {
      return Object.assign(new Error('unavailable'), { data: { code: 'unavailable', message: 'try again shortly' } });
    }
    this.logger.error(error instanceof Error ? error.stack : String(error));
    return Object.assign(new Error('internal'), { data: { code: 'internal', message: 'internal error' } });
  }
}
