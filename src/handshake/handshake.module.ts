import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ModerationModule } from '../moderation/moderation.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatNamespaceGateway } from '../realtime/chat-namespace.gateway';
import { CONNECTION_PIPELINE } from '../realtime/connection-pipeline';
import { ThrottlingModule } from '../throttling/throttling.module';
import { HandshakePipeline } from './handshake.pipeline';

/** Composes the features a connection passes through and hands the pipeline to realtime/'s gateway. */
@Module({
  imports: [AuthModule, ThrottlingModule, ModerationModule, RoomsModule, EventsModule, MetricsModule],
  providers: [ChatNamespaceGateway, { provide: CONNECTION_PIPELINE, useClass: HandshakePipeline }],
})
export class HandshakeModule {}
