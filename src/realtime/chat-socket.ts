import type { DefaultEventsMap, Namespace, Socket } from 'socket.io';
import type { AuthUser } from '../common/auth-user';
import type { Transport } from '../common/connection';
import type { ClientToServerEvents, ServerToClientEvents } from '../common/contract';

/** Serializable only: other nodes receive it through the adapter's `fetchSockets`. */
export interface ChatSocketData {
  user: AuthUser;
  /** NODE_ID of the process holding the socket, for cluster-wide presence. */
  nodeId: string;
  transport: Transport;
}

/** A socket that passed the handshake: `data.user` is always set. */
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, ChatSocketData>;
export type ChatServer = Namespace<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, ChatSocketData>;
