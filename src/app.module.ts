import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AttachmentsModule } from './attachments/attachments.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CallsModule } from './calls/calls.module';
import { ChatModule } from './chat/chat.module';
import { ComplianceModule } from './compliance/compliance.module';
import { ContractExceptionFilter } from './common/contract-exception.filter';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DemoModule } from './demo/demo.module';
import { AsyncApiModule } from './docs/asyncapi.module';
import { EventsModule } from './events/events.module';
import { HandshakeModule } from './handshake/handshake.module';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MetricsModule } from './metrics/metrics.module';
import { OfflineModule } from './offline/offline.module';
import { ModerationModule } from './moderation/moderation.module';
import { PushModule } from './push/push.module';
import { QueueModule } from './queue/queue.module';
import { ReactionsModule } from './reactions/reactions.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { SearchModule } from './search/search.module';
import { ServerApiModule } from './server-api/server-api.module';
import { ThrottlingModule } from './throttling/throttling.module';
import { TypingModule } from './typing/typing.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LifecycleModule,
        RedisModule,
        QueueModule,
        WebhooksModule,
        RealtimeModule,
        EventsModule,
        MetricsModule,
        AuthModule,
        AuditModule,
        ThrottlingModule,
        ChatModule,
        ReactionsModule,
        TypingModule,
        ModerationModule,
        HandshakeModule,
        AttachmentsModule,
        SearchModule,
        CallsModule,
        HealthModule,
        PushModule,
        ServerApiModule,
        DemoModule.forRoot(config),
        // the AsyncAPI document maps every event as /docs maps every route: API_DOCS=false removes both
        ...(config.isApiDocsEnabled ? [AsyncApiModule] : []),
        OfflineModule,
        ComplianceModule,
      ],
      // Every HTTP error answers { statusCode, error, message }; socket gateways name the same filter themselves,
      // since Nest applies global filters to HTTP only.
      providers: [{ provide: APP_FILTER, useClass: ContractExceptionFilter }],
    };
  }
}
