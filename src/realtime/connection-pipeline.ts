import type { IncomingMessage } from 'node:http';
import type { AuthUser } from '../common/auth-user';
import type { Connection } from '../common/connection';

/** What a transport knows of a client before it is admitted. */
export interface Handshake {
  connectionId: string;
  /** `auth.token` or `Authorization: Bearer`, whichever the client used. */
  token?: string;
  request: IncomingMessage;
}

/**
 * What realtime/ asks of the application about a connection's life: admit it (or throw a
 * `HandshakeRefusal` / `AuthenticationError`), then hear that it opened and closed. The application declares
 * the steps in one place (handshake/); realtime/ only binds them to the transport.
 */
export interface ConnectionPipeline {
  admit(handshake: Handshake): Promise<AuthUser>;
  opened(connection: Connection): void;
  closed(connection: Connection): void;
}

export const CONNECTION_PIPELINE = Symbol('ConnectionPipeline');
