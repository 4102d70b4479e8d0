import { Injectable } from '@nestjs/common';
import { ClientEvent } from '../common/contract';
import type { Connection } from '../common/connection';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { SessionLifetime } from './session-lifetime.service';

/** Token refresh; the rest of a connection's life is the handshake pipeline's. */
@Injectable()
export class SessionGateway {
  constructor(private readonly lifetime: SessionLifetime) {}

  /**
   * Counted in the shared budget like every event: outside it, a client could verify tokens (and write their
   * sessions) as fast as it liked. One refresh per connection at a time besides.
   */
  @OnClientEvent(ClientEvent.AuthRefresh)
  refresh(connection: Connection, body: RefreshTokenDto) {
    return this.lifetime.refresh(connection, body.token);
  }
}
