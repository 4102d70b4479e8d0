import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { isRedisUnavailable } from '../common/redis-errors';
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

/**
 * The handshake check of the `/chat` namespace. A refusal reaches the client as `connect_error` with
 * `message: "unauthorized"` and `data.code`; Redis trouble as `message: "unavailable"`.
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger(SocketAuthenticator.name);
  private readonly refusalListeners: ((socket: Socket, error: AuthenticationError) => void)[] = [];

  constructor(private readonly verifier: TokenVerifier) {}

  onRefusal(listener: (socket: Socket, error: AuthenticationError) => void): void {
    this.refusalListeners.push(listener);
  }

  readonly middleware = (socket: Socket, next: (error?: ExtendedError) => void): void => {
    this.authenticate(socket).then(
      () => next(),
      (error: unknown) => next(this.toConnectError(socket, error)),
    );
  };

  private async authenticate(socket: Socket): Promise<void> {
    const token = tokenFromHandshake(socket);
    if (!token) throw new AuthenticationError('token_missing', 'no token: pass auth.token or Authorization: Bearer');
    socket.data.user = await this.verifier.verify(token);
  }

  private toConnectError(socket: Socket, error: unknown): ExtendedError {
    if (error instanceof AuthenticationError) {
      for (const listener of this.refusalListeners) listener(socket, error);
      return Object.assign(new Error('unauthorized'), { data: { code: error.code, message: error.message } });
    }
    if (isRedisUnavailable(error)) {
      return Object.assign(new Error('unavailable'), { data: { code: 'unavailable', message: 'try again shortly' } });
    }
    this.logger.error(error instanceof Error ? error.stack : String(error));
    return Object.assign(new Error('internal'), { data: { code: 'internal', message: 'internal error' } });
  }
}
