import { Injectable } from '@nestjs/common';
import { TokenVerifier } from '../auth/token-verifier.service';
import type { Connection } from '../common/connection';
import { ServerEvent } from '../common/contract';
import { ContractError } from '../common/contract-error';
import { AuthenticationError } from '../common/handshake-error';
import { Broadcaster } from '../realtime/broadcaster';
import { CallSignalDto } from './dto/call-signal.dto';

/**
 * A signal's `data`, as JSON. An SDP offer with audio, video and a dozen candidates is 5 to 10 KB; the bound
 * stays under the socket frame limit (MESSAGE_MAX_LENGTH × 4 + 16 KiB) so that it is answered, not cut off.
 */
export const CALL_SIGNAL_DATA_MAX_BYTES = 16 * 1024;

/**
 * WebRTC signaling: relays invites, SDP and ICE candidates between users' connections, on every node, and stores
 * nothing. The media flows between the browsers (or through a TURN server), never through this server.
 */
@Injectable()
export class CallService {
  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly tokens: TokenVerifier,
  ) {}

  /**
   * Reaches exactly the connections it counts: the callee's connections are looked up across nodes, then
   * addressed by id. A ban or revocation closes the caller's sessions too, but a signal sent while that order
   * travels is refused here, checked in parallel with the lookup.
   */
  async signal(connection: Connection, { to, callId, type, data }: CallSignalDto): Promise<{ delivered: number }> {
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > CALL_SIGNAL_DATA_MAX_BYTES) {
      throw new ContractError('payload_too_large', `data is ${size} bytes of JSON, the limit is ${CALL_SIGNAL_DATA_MAX_BYTES}`, { limit: CALL_SIGNAL_DATA_MAX_BYTES });
    }
    const [, callee] = await Promise.all([this.assertMaySignal(connection), this.broadcaster.connectionsOf(to)]);
    const targets = callee.map((target) => target.id);
    if (targets.length > 0) this.broadcaster.toConnections(targets, ServerEvent.CallSignal, { from: connection.user.id, callId, type, data });
    return { delivered: targets.length };
  }

  private async assertMaySignal(connection: Connection): Promise<void> {
    try {
      await this.tokens.assertAdmitted(connection.user);
    } catch (error) {
      if (error instanceof AuthenticationError) throw new ContractError('forbidden', `cannot signal: ${error.message}`, { reason: error.code });
      throw error;
    }
  }
}
