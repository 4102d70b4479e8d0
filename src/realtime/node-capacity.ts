/** Why a handshake is refused when its node is full; the client hears `connect_error` `unavailable` (/ws: 503). */
export const NODE_FULL_REASON = 'node_full';

/**
 * The connections one node admits (MAX_CONNECTIONS_PER_NODE). A node out of file descriptors accepts nothing,
 * its health checks and the server API included, so it refuses clients while it still has descriptors left.
 * Counted: sockets of `/chat` (Socket.IO and /ws alike) and handshakes still being checked, so that a burst of
 * handshakes arriving together cannot pass the limit between them. Checked before any Redis work.
 */
export class NodeCapacity {
  private handshaking = 0;

  /** `limit` 0: no limit. */
  constructor(
    readonly limit: number,
    private readonly connected: () => number,
  ) {}

  get open(): number {
    return this.connected() + this.handshaking;
  }

  /** Takes a place for a handshake being checked; false when the node holds its limit already. */
  tryReserve(): boolean {
    if (this.limit > 0 && this.open >= this.limit) return false;
    this.handshaking += 1;
    return true;
  }

  /** The handshake ended: refused, or admitted and counted among the connected sockets from now on. */
  release(): void {
    this.handshaking -= 1;
  }
}
