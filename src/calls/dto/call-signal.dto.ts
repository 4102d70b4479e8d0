import { IsIn, IsObject, IsString, Length, Matches } from 'class-validator';
import type { CallSignalType } from '../../common/contract';
import { USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';

export const CALL_SIGNAL_TYPES: readonly CallSignalType[] = ['invite', 'offer', 'answer', 'ice', 'hangup', 'reject'];

export class CallSignalDto {
  /** The callee's user id (a token's `sub`). */
  @Matches(USER_ID_PATTERN, { message: `to ${USER_ID_HINT}` })
  to: string;

  /** Chosen by the caller (a UUID fits); the server relays it and keeps nothing. */
  @IsString()
  @Length(1, 128)
  callId: string;

  @IsIn(CALL_SIGNAL_TYPES)
  type: CallSignalType;

  /** An SDP description, an ICE candidate, or anything the clients agree on; an object, bounded in size. */
  @IsObject()
  data: Record<string, unknown>;
}
