import type { DefaultEventsMap, Socket } from 'socket.io';
import type { AuthUser } from '../common/auth-user';

/** Serializable only: other nodes receive it through the adapter's `fetchSockets`. */
export interface ChatSocketData {
  user: AuthUser;
}

/** A socket that passed the handshake: `data.user` is always set. */
export type ChatSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, ChatSocketData>;
