import type { AuthUser } from './auth-user';

export type Transport = 'socket.io' | 'websocket';

/**
 * One client connection as services see it, whatever the transport: who it is, which rooms it receives, and
 * how to change that. Services take this, never a socket, so that every transport runs the same rules and a
 * rule is tested with a plain object.
 */
export interface Connection {
  readonly id: string;
  readonly transport: Transport;
  /** Replaced when `auth:refresh` brings a newer token. */
  user: AuthUser;
  readonly rooms: ReadonlySet<string>;
  readonly isConnected: boolean;
  join(rooms: string | string[]): void | Promise<void>;
  leave(room: string): void | Promise<void>;
}
