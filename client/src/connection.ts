import type { Ack } from './contract';

/**
 * One connection to one node, whatever the transport (Socket.IO or the plain WebSocket `/ws`): what the client's
 * reconnection, rejoin and request logic (`ChatClientBase`) needs of it. After `close()` it calls no listener.
 */
export interface ChatConnection {
  readonly isOpen: boolean;
  /** Sends a client event: resolves with its ack; rejects when none came within `timeoutMs` or the connection ended first. */
  request(event: string, payload: unknown, timeoutMs: number): Promise<Ack<unknown>>;
  close(): void;
}

/** What a connection reports, each at most once per connection except `event`. */
export interface ConnectionListener {
  /** The node admitted the client: requests may go. */
  opened(): void;
  /** A server event. */
  event(name: string, payload: unknown): void;
  /** The node refused the token (`code`: the contract's handshake code, when the transport tells it): retrying is pointless. */
  refused(code: string | undefined): void;
  /** The connection could not be made (node down, busy, unreachable): worth trying again, on the next URL. */
  failed(): void;
  /** An open connection ended; `isTransportLoss` when the network or the node dropped it rather than a decision to end it. */
  closed(reason: string, isTransportLoss: boolean): void;
}
