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

  /** Outside the shared budget: a refresh that waits on it may miss `exp`. One refresh per connection at a time instead. */
  @OnClientEvent(ClientEvent.AuthRefresh, { isOutsideBudget: true })
  refresh(connection: Connection, body: RefreshTokenDto) {
    return this.lifetime.refresh(connection, body.token);
  }
}
