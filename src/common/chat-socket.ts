import type { DefaultEventsMap, Socket } from 'socket.io';
import type { AuthUser } from '../auth/auth-user';

export interface ChatSocketData {
  user: AuthUser;
  expiryTimer?: NodeJS.Timeout;
}

/** A socket that passed the handshake: `data.user` is always set. */
export type ChatSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, ChatSocketData>;
