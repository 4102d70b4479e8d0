import { Injectable } from '@nestjs/common';
import { TokenVerifier } from '../auth/token-verifier.service';
import type { AuthUser } from '../common/auth-user';
import type { Connection } from '../common/connection';
import { ServerEvent } from '../common/contract';
import { ContractError, forbidden } from '../common/contract-error';
import { AuthenticationError } from '../common/handshake-error';
import { Broadcaster } from '../realtime/broadcaster';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { AccessPolicy, Grantee } from '../rooms/access-policy';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { CallRepository } from './call.repository';
import { CallSignalDto } from './dto/call-signal.dto';

/**
 * A signal's `data`, as JSON. An SDP offer with audio, video and a dozen candidates is 5 to 10 KB; the bound
 * stays under the socket frame limit (MESSAGE_MAX_LENGTH × 4 + 16 KiB) so that it is answered, not cut off.
 */
export const CALL_SIGNAL_DATA_MAX_BYTES = 16 * 1024;
/** How long a call's two users are remembered after its last signal: longer than any call goes without one. */
export const CALL_PARTIES_TTL_SEC = 12 * 3600;

/**
 * The one refusal of an invite, whatever the reason: no relation, a callee who never connected or does not exist,
 * or a call id another pair holds. The answer tells nothing about the callee (not even that the id is a user).
 */
const inviteRefused = () => forbidden('no room or DM shared with this user');
const notAParty = () => forbidden('not a party to this call');

/**
 * WebRTC signaling: relays invites, SDP and ICE candidates between users' connections, on every node, and stores
 * nothing. The media flows between the browsers (or through a TURN server), never through this server.
 */
@Injectable()
export class CallService {
  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly connections: ConnectionDirectory,
    private readonly tokens: TokenVerifier,
    private readonly userRooms: UserRoomsRepository,
    private readonly calls: CallRepository,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * Reaches exactly the connections it counts: the callee's connections are looked up across nodes, then
   * addressed by id. A ban or revocation closes the caller's sessions too, but a signal sent while that order
   * travels is refused here, checked in parallel with the relation. The lookup comes only after both passed: a
   * refused signal costs no cluster-wide query and says nothing of the callee's connections.
   */
  async signal(connection: Connection, { to, callId, type, data }: CallSignalDto): Promise<{ delivered: number }> {
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > CALL_SIGNAL_DATA_MAX_BYTES) {
      throw new ContractError('payload_too_large', `data is ${size} bytes of JSON, the limit is ${CALL_SIGNAL_DATA_MAX_BYTES}`, {
        limit: CALL_SIGNAL_DATA_MAX_BYTES,
      });
    }
    const from = connection.user.id;
    const related = type === 'invite' ? this.assertMayInvite(connection.user, to, callId) : this.assertParties(callId, from, to);
    // both in parallel, but a banned or revoked caller always hears that, whichever answer comes first
    const outcomes = await Promise.allSettled([this.assertMaySignal(connection), related]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    const callee = await this.connections.connectionsOf(to);
    const targets = callee.map((target) => target.id);
    if (targets.length > 0) this.broadcaster.toConnections(targets, ServerEvent.CallSignal, { from: connection.user.id, callId, type, data });
    return { delivered: targets.length };
  }

  /**
   * An invite needs a relation: a room the caller holds (joined until left, or a DM room) that the caller's token
   * and the callee's latest grants both let them read (`room.read`: a DM room is readable by its two users only).
   * Once allowed, the call id is bound to the pair.
   */
  private async assertMayInvite(caller: AuthUser, callee: string, callId: string): Promise<void> {
    const [held, [grants]] = await Promise.all([this.userRooms.roomsOf(caller.id), this.userRooms.grantsOf([callee])]);
    const calleeGrants: Grantee = { id: callee, roles: grants?.roles ?? [], rooms: grants ? grants.rooms : [] };
    const isRelated = held.some((room) => this.access.hasAccess(caller, 'room.read', room) && this.access.hasAccess(calleeGrants, 'room.read', room));
    if (!isRelated || !(await this.calls.rememberInvite(callId, caller.id, callee, CALL_PARTIES_TTL_SEC))) throw inviteRefused();
  }

  /** Every other signal of a call goes between the two users of its invite (either to the other, or to itself). */
  private async assertParties(callId: string, from: string, to: string): Promise<void> {
    const parties = await this.calls.partiesOf(callId, CALL_PARTIES_TTL_SEC);
    if (!parties || !parties.includes(from) || !parties.includes(to)) throw notAParty();
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
