import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import type { ChatSocket } from '../realtime/chat-socket';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { MetricsService } from '../metrics/metrics.service';
import { ChatNamespace } from '../realtime/chat-namespace';
import { tokenChannel, userChannel } from '../realtime/socket-channels';
import { OutsideSocketBudget } from '../throttling/ws-throttler.guard';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { SessionService } from './session.service';
import { SessionLifetime } from './session-lifetime.service';
import { SocketAuthenticator } from './socket-authenticator';

/** The life of a connection: handshake, addressing channels, token expiry and refresh. */
@ChatNamespaceGateway()
export class SessionGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly namespace: ChatNamespace,
    private readonly authenticator: SocketAuthenticator,
    private readonly sessions: SessionService,
    private readonly lifetime: SessionLifetime,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: Namespace): void {
    this.namespace.attach(namespace);
    namespace.use(this.authenticator.middleware);
    this.sessions.listen();
  }

  handleConnection(socket: ChatSocket): void {
    const { user } = socket.data;
    socket.join([userChannel(user.id), tokenChannel(user.tokenId)]);
    this.lifetime.watch(socket);
    this.metrics.connections.inc();
  }

  handleDisconnect(socket: ChatSocket): void {
    this.lifetime.forget(socket);
    this.metrics.connections.dec();
  }

  /** Outside the shared budget: a refresh that waits on it may miss `exp`. One refresh per socket at a time instead. */
  @OutsideSocketBudget()
  @SubscribeMessage(ClientEvent.AuthRefresh)
  refresh(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: RefreshTokenDto) {
    return this.lifetime.refresh(socket, body.token);
  }
}
