import type { Connection } from '../common/connection';
import { CLIENT_EVENT_HANDLER, OnClientEvent } from './on-client-event.decorator';

/*
 * The type checks are the test: `npm run typecheck` fails when a `@ts-expect-error` below is not needed, that is
 * when the decorator accepts a handler that does not match `ClientEventMap`.
 */
class JoinDto {
  room: string;
  since?: string;
}
class JoinWithRequiredSinceDto {
  room: string;
  since: string;
}
class JoinWithExtraFieldDto extends JoinDto {
  password?: string;
}
class RoomOnlyDto {
  room: string;
}
class NullableSinceDto {
  room: string;
  since: string | null;
}
class MessageRefDto {
  room: string;
  messageId: string;
}

class Handlers {
  @OnClientEvent('message:delete')
  delete(_connection: Connection, { room, messageId }: MessageRefDto) {
    return { room, messageId };
  }

  // @ts-expect-error the contract's `since` is optional
  @OnClientEvent('room:join')
  joinRequiringSince(_connection: Connection, _payload: JoinWithRequiredSinceDto) {
    return { room: 'r', messages: [], presence: [], lastReadId: null, unreadCount: 0 };
  }

  // @ts-expect-error `password` is no field of the contract's payload
  @OnClientEvent('room:join')
  joinWithExtraField(_connection: Connection, _payload: JoinWithExtraFieldDto) {
    return { room: 'r', messages: [], presence: [], lastReadId: null, unreadCount: 0 };
  }

  // @ts-expect-error the DTO lacks the contract's `since`
  @OnClientEvent('room:join')
  joinWithoutSince(_connection: Connection, _payload: RoomOnlyDto) {
    return { room: 'r', messages: [], presence: [], lastReadId: null, unreadCount: 0 };
  }

  // @ts-expect-error null is not absent
  @OnClientEvent('room:join')
  joinWithNullableSince(_connection: Connection, _payload: NullableSinceDto) {
    return { room: 'r', messages: [], presence: [], lastReadId: null, unreadCount: 0 };
  }

  // @ts-expect-error the ack data of message:delete is { room, messageId }
  @OnClientEvent('message:delete')
  deleteAnsweringRoomOnly(_connection: Connection, { room }: MessageRefDto) {
    return { room };
  }

  // @ts-expect-error the ack data of room:join, awaited, lacks its fields
  @OnClientEvent('room:join', { isAdmission: true })
  async joinAnsweringNothing(_connection: Connection, _payload: JoinDto) {
    return {};
  }

  // @ts-expect-error a handler takes the connection first
  @OnClientEvent('message:delete')
  deleteWithoutConnection(payload: MessageRefDto) {
    return payload;
  }
}

describe('@OnClientEvent', () => {
  it('records the event and its options on the handler', () => {
    expect(Reflect.getMetadata(CLIENT_EVENT_HANDLER, Handlers.prototype.delete)).toEqual({ event: 'message:delete' });
    expect(Reflect.getMetadata(CLIENT_EVENT_HANDLER, Handlers.prototype.joinAnsweringNothing)).toEqual({ event: 'room:join', isAdmission: true });
  });
});
