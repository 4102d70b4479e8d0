import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { ClientEvent } from '../common/contract';
import type { Connection } from '../common/connection';
import { ClientConnection } from '../realtime/client-connection.decorator';
import { ChatNamespaceHandlers } from '../realtime/chat-namespace-handlers.decorator';
import { OutsideEventBudget } from '../realtime/event-budget';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { SessionLifetime } from './session-lifetime.service';

/** Token refresh; the rest of a connection's life is the handshake pipeline's. */
@ChatNamespaceHandlers()
export class SessionGateway {
  constructor(private readonly lifetime: SessionLifetime) {}

  /** Outside the shared budget: a refresh that waits on it may miss `exp`. One refresh per connection at a time instead. */
  @OutsideEventBudget()
  @SubscribeMessage(ClientEvent.AuthRefresh)
  refresh(@ClientConnection() connection: Connection, @MessageBody() body: RefreshTokenDto) {
    return this.lifetime.refresh(connection, body.token);
  }
}
