import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { isRedisUnavailable } from '../common/redis-errors';
import type { AuthUser } from './auth-user';
import { AuthenticationError } from './handshake-error';
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

export type RefusalListener = (socket: Socket, error: AuthenticationError) => Promise<void>;
export type AdmissionListener = (user: AuthUser) => Promise<void>;

/**
 * The handshake check of the `/chat` namespace. A refusal reaches the client as `connect_error` with
 * `message: "unauthorized"` and `data.code`; Redis trouble as `message: "unavailable"`.
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger(SocketAuthenticator.name);
  private readonly refusalListeners: RefusalListener[] = [];
  private readonly admissionListeners: AdmissionListener[] = [];

  constructor(private readonly verifier: TokenVerifier) {}

  /** Awaited before the client hears the refusal, so that whatever it records exists by then; its failures are logged. */
  onRefusal(listener: RefusalListener): void {
    this.refusalListeners.push(listener);
  }

  /** Awaited before the connection is accepted; a failure refuses the connection (as `unavailable` when Redis is down). */
  onAdmission(listener: AdmissionListener): void {
    this.admissionListeners.push(listener);
  }

  readonly middleware = (socket: Socket, next: (error?: ExtendedError) => void): void => {
    this.authenticate(socket).then(
      () => next(),
      (error: unknown) => void this.toConnectError(socket, error).then(next),
    );
  };

  private async authenticate(socket: Socket): Promise<void> {
    const token = tokenFromHandshake(socket);
    if (!token) throw new AuthenticationError('token_missing', 'no token: pass auth.token or Authorization: Bearer');
    const user = await this.verifier.verify(token);
    await Promise.all(this.admissionListeners.map((listener) => listener(user)));
    socket.data.user = user;
  }

  private async toConnectError(socket: Socket, error: unknown): Promise<ExtendedError> {
    if (error instanceof AuthenticationError) {
      for (const outcome of await Promise.allSettled(this.refusalListeners.map((listener) => listener(socket, error)))) {
        if (outcome.status === 'rejected') this.logger.warn(`a refusal listener failed: ${String(outcome.reason)}`);
      }
      return Object.assign(new Error('unauthorized'), { data: { code: error.code, message: error.message } });
    }
    if (isRedisUnavailable(error)) {
      return Object.assign(new Error('unavailable'), { data: { code: 'unavailable', message: 'try again shortly' } });
    }
    this.logger.error(error instanceof Error ? error.stack : String(error));
    return Object.assign(new Error('internal'), { data: { code: 'internal', message: 'internal error' } });
  }
}
