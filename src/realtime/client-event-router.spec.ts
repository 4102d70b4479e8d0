import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import type { Connection } from '../common/connection';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { fake, FakeConnection, userOf } from '../testing/fakes';
import type { RateLimitReporter } from '../throttling/rate-limit.reporter';
import type { BudgetGrant, RedisThrottlerStorage } from '../throttling/redis-throttler.storage';
import { SocketEventBudget } from '../throttling/socket-event-budget';
import { ClientEventRouter } from './client-event-router';
import { EVENT_BUDGET } from './event-budget';
import { OnClientEvent } from './on-client-event.decorator';

class EchoDto {
  @IsString()
  text: string;
}

/** An event that takes no fields. */
class NoFieldsDto {}

@Injectable()
class EchoHandlers {
  @OnClientEvent('message:send')
  echo(connection: Connection, { text }: EchoDto) {
    if (text === 'boom') throw new ContractError('forbidden', 'no');
    return { text, by: connection.user.id };
  }

  @OnClientEvent('inbox:list')
  list(connection: Connection, _request: NoFieldsDto) {
    return { by: connection.user.id };
  }

  @OnClientEvent('auth:refresh', { isOutsideBudget: true })
  refresh() {
    return undefined;
  }
}

async function routerWith(limit: number, grants: BudgetGrant[] = []) {
  const calls: unknown[][] = [];
  const storage = fake<RedisThrottlerStorage>({ grant: (...args: unknown[]) => (calls.push(args), Promise.resolve(grants.shift() ?? { granted: 0, msToExpire: 5000 })) });
  const reporter = fake<RateLimitReporter>({ refused: jest.fn() });
  const budget = new SocketEventBudget(storage, reporter, { throttle: { ws: { limit, ttlMs: 10_000 } } } as AppConfig);
  const module = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [ClientEventRouter, EchoHandlers, MetricsService, { provide: EVENT_BUDGET, useValue: budget }, { provide: APP_CONFIG, useValue: { logLevel: 'info' } }],
  }).compile();
  await module.init();
  const router = module.get(ClientEventRouter);
  const metrics = module.get(MetricsService);
  budget.onModuleDestroy();
  return { router, metrics, calls, reporter };
}

describe('ClientEventRouter', () => {
  const alice = new FakeConnection('c-1', userOf('alice'));

  it('validates the payload against the handler\'s DTO, runs it and wraps its answer in the envelope', async () => {
    const { router, metrics } = await routerWith(0);
    expect(router.events.sort()).toEqual(['auth:refresh', 'inbox:list', 'message:send']);
    await expect(router.dispatch(alice, 'message:send', { text: 'hi' })).resolves.toEqual({ ok: true, data: { text: 'hi', by: 'alice' } });
    await expect(router.dispatch(alice, 'auth:refresh', {})).resolves.toEqual({ ok: true, data: {} });
    expect(metrics.eventsInFlight).toBe(0);
  });

  it('answers invalid payloads and contract errors with the error envelope, without calling the handler for the former', async () => {
    const { router } = await routerWith(0);
    await expect(router.dispatch(alice, 'message:send', { text: 1 })).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await expect(router.dispatch(alice, 'message:send', { text: 'hi', extra: 1 })).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await expect(router.dispatch(alice, 'message:send', 'text')).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await expect(router.dispatch(alice, 'message:send', { text: 'boom' })).resolves.toEqual({ ok: false, error: { code: 'forbidden', message: 'no' } });
  });

  it('accepts nothing or {} for an event whose DTO has no fields, and refuses any field or other value as for every event', async () => {
    const { router } = await routerWith(0);
    await expect(router.dispatch(alice, 'inbox:list', {})).resolves.toEqual({ ok: true, data: { by: 'alice' } });
    await expect(router.dispatch(alice, 'inbox:list', undefined)).resolves.toEqual({ ok: true, data: { by: 'alice' } });
    await expect(router.dispatch(alice, 'inbox:list', { room: 'lobby' })).resolves.toEqual({
      ok: false,
      error: { code: 'validation_failed', message: 'invalid payload', details: { fields: { room: ['property room should not exist'] } } },
    });
    for (const junk of [null, 'text', [], 42]) {
      await expect(router.dispatch(alice, 'inbox:list', junk)).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
  });

  it('never calls Redis for the budget when the limit is 0, however many events come', async () => {
    const { router, calls } = await routerWith(0);
    for (let i = 0; i < 100; i++) await router.dispatch(alice, 'message:send', { text: 'hi' });
    expect(calls).toEqual([]);
  });

  it('refuses over the budget with rate_limited and the time until the window ends; an event outside the budget passes', async () => {
    const { router, reporter, calls } = await routerWith(300, [{ granted: 0, msToExpire: 7250 }]);
    // the budget computes the wait from the clock twice (grant received, decision made): frozen, a millisecond tick between them cannot show
    const clock = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    await expect(router.dispatch(alice, 'message:send', { text: 'hi' })).resolves.toEqual({
      ok: false,
      error: { code: 'rate_limited', message: 'too many events: slow down', details: { retryAfterMs: 7250 } },
    });
    expect(reporter.refused).toHaveBeenCalledWith('socket_events', { userId: 'alice' }, 7250);
    await expect(router.dispatch(alice, 'auth:refresh', {})).resolves.toEqual({ ok: true, data: {} });
    expect(calls).toHaveLength(1);
    clock.mockRestore();
  });
});
