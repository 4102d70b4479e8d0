import { Injectable, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import type { Connection } from '../common/connection';
import { ClientEvent, type ClientEventName } from '../common/contract';
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
import { CLIENT_EVENT_HANDLER, OnClientEvent } from './on-client-event.decorator';

class LeaveDto {
  @IsString()
  room: string;
}

class TokenDto {
  @IsString()
  token: string;
}

/** An event that takes no fields. */
class NoFieldsDto {}

@Injectable()
class EchoHandlers {
  @OnClientEvent('room:leave')
  leave(connection: Connection, { room }: LeaveDto) {
    if (room === 'boom') throw new ContractError('forbidden', 'no');
    return { room: `${room}@${connection.user.id}` };
  }

  @OnClientEvent('inbox:list')
  list(_connection: Connection, _request: NoFieldsDto) {
    return { rooms: [] };
  }

  @OnClientEvent('auth:refresh', { isOutsideBudget: true })
  refresh(_connection: Connection, { token }: TokenDto) {
    return { exp: token.length };
  }
}

const ECHOED: ClientEventName[] = ['room:leave', 'inbox:list', 'auth:refresh'];

/** Handlers answering {} for the contract's other events, each of which the router requires. */
function handlersOfOtherEvents(): Type {
  @Injectable()
  class OtherHandlers {}
  for (const event of Object.values(ClientEvent).filter((name) => !ECHOED.includes(name))) {
    const handle = () => ({});
    Reflect.defineMetadata(CLIENT_EVENT_HANDLER, { event }, handle);
    Object.defineProperty(OtherHandlers.prototype, `handle ${event}`, { value: handle });
  }
  return OtherHandlers;
}

async function routerWith(limit: number, grants: BudgetGrant[] = [], handlers: Type[] = [EchoHandlers, handlersOfOtherEvents()]) {
  const calls: unknown[][] = [];
  const storage = fake<RedisThrottlerStorage>({
    grant: (...args: unknown[]) => (calls.push(args), Promise.resolve(grants.shift() ?? { granted: 0, msToExpire: 5000 })),
  });
  const reporter = fake<RateLimitReporter>({ refused: jest.fn() });
  const budget = new SocketEventBudget(storage, reporter, { throttle: { ws: { limit, ttlMs: 10_000 } } } as AppConfig);
  const module = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [
      ClientEventRouter,
      ...handlers,
      MetricsService,
      { provide: EVENT_BUDGET, useValue: budget },
      { provide: APP_CONFIG, useValue: { logLevel: 'info' } },
    ],
  }).compile();
  await module.init();
  const router = module.get(ClientEventRouter);
  const metrics = module.get(MetricsService);
  budget.onModuleDestroy();
  return { router, metrics, calls, reporter };
}

describe('ClientEventRouter', () => {
  const alice = new FakeConnection('c-1', userOf('alice'));

  it('refuses to start while a client event of the contract has no handler, naming each such event', async () => {
    await expect(routerWith(0, [], [EchoHandlers])).rejects.toThrow(
      /no @OnClientEvent handler for the contract's client event room:join, message:send, .*call:signal$/,
    );
    await expect(routerWith(0, [], [EchoHandlers, handlersOfOtherEvents()])).resolves.toBeDefined();
  });

  it("validates the payload against the handler's DTO, runs it and wraps its answer in the envelope", async () => {
    const { router, metrics } = await routerWith(0);
    expect(router.events.sort()).toEqual(Object.values(ClientEvent).sort());
    await expect(router.dispatch(alice, 'room:leave', { room: 'hi' })).resolves.toEqual({ ok: true, data: { room: 'hi@alice' } });
    await expect(router.dispatch(alice, 'auth:refresh', { token: 'abc' })).resolves.toEqual({ ok: true, data: { exp: 3 } });
    expect(metrics.eventsInFlight).toBe(0);
  });

  it('answers invalid payloads and contract errors with the error envelope, without calling the handler for the former', async () => {
    const { router } = await routerWith(0);
    await expect(router.dispatch(alice, 'room:leave', { room: 1 })).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await expect(router.dispatch(alice, 'room:leave', { room: 'hi', extra: 1 })).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await expect(router.dispatch(alice, 'room:leave', 'room')).resolves.toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await expect(router.dispatch(alice, 'room:leave', { room: 'boom' })).resolves.toEqual({ ok: false, error: { code: 'forbidden', message: 'no' } });
  });

  it('accepts nothing or {} for an event whose DTO has no fields, and refuses any field or other value as for every event', async () => {
    const { router } = await routerWith(0);
    await expect(router.dispatch(alice, 'inbox:list', {})).resolves.toEqual({ ok: true, data: { rooms: [] } });
    await expect(router.dispatch(alice, 'inbox:list', undefined)).resolves.toEqual({ ok: true, data: { rooms: [] } });
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
    for (let i = 0; i < 100; i++) await router.dispatch(alice, 'room:leave', { room: 'hi' });
    expect(calls).toEqual([]);
  });

  it('refuses over the budget with rate_limited and the time until the window ends; an event outside the budget passes', async () => {
    const { router, reporter, calls } = await routerWith(300, [{ granted: 0, msToExpire: 7250 }]);
    // the budget computes the wait from the clock twice (grant received, decision made): frozen, a millisecond tick between them cannot show
    const clock = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    await expect(router.dispatch(alice, 'room:leave', { room: 'hi' })).resolves.toEqual({
      ok: false,
      error: { code: 'rate_limited', message: 'too many events: slow down', details: { retryAfterMs: 7250 } },
    });
    expect(reporter.refused).toHaveBeenCalledWith('socket_events', { userId: 'alice' }, 7250);
    await expect(router.dispatch(alice, 'auth:refresh', { token: 'abc' })).resolves.toEqual({ ok: true, data: { exp: 3 } });
    expect(calls).toHaveLength(1);
    clock.mockRestore();
  });
});
