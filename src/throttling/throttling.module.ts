import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { MetricsModule } from '../metrics/metrics.module';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionRegistry } from './connection.registry';
import { HandshakeLimits } from './handshake-limits.service';
import { OnlineUsers } from './online-users';
import { HttpThrottlerGuard } from './http-throttler.guard';
import { RateLimitReporter } from './rate-limit.reporter';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { SocketEventBudget } from './socket-event-budget';
import { EVENT_BUDGET } from '../realtime/event-budget';

/** The shared counters, apart so that @nestjs/throttler's own module can be given them too. */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class ThrottlerStorageModule {}

/**
 * Every limit of the service, shared by all nodes through Redis: REST requests (global guard), socket events
 * (`SocketEventBudget`, provided as realtime/'s `EVENT_BUDGET`), handshakes per address and connections per
 * user, whose leases are also the one answer to "is this user online" (`OnlineUsers`).
 */
@Module({
  imports: [
    AuthModule,
    AuditModule,
    MetricsModule,
    ThrottlerStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [ThrottlerStorageModule],
      inject: [APP_CONFIG, RedisThrottlerStorage],
      useFactory: (config: AppConfig, storage: RedisThrottlerStorage) => ({
        throttlers: [{ limit: config.throttle.http.limit, ttl: config.throttle.http.ttlMs }],
        storage,
      }),
    }),
  ],
  providers: [
    RateLimitReporter,
    SocketEventBudget,
    { provide: EVENT_BUDGET, useExisting: SocketEventBudget },
    ConnectionRegistry,
    OnlineUsers,
    HandshakeLimits,
    { provide: APP_GUARD, useClass: HttpThrottlerGuard },
  ],
  exports: [ThrottlerStorageModule, RateLimitReporter, EVENT_BUDGET, HandshakeLimits, OnlineUsers],
})
export class ThrottlingModule {}
