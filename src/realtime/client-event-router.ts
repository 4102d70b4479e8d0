import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, Reflector } from '@nestjs/core';
import { ClientEvent, type Ack, type ErrorBody } from '../common/contract';
import type { Connection } from '../common/connection';
import { ContractError } from '../common/contract-error';
import { errorBodyOf } from '../common/contract-exception.filter';
import { ContractValidationPipe } from '../common/contract-validation.pipe';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LogContext, withLogContext } from '../logging/log-context';
import { MetricsService } from '../metrics/metrics.service';
import { EVENT_BUDGET } from './event-budget';
import type { EventBudget, EventBudgetDecision } from './event-budget';
import { CLIENT_EVENT_HANDLER, ClientEventRoute } from './on-client-event.decorator';

type Handler = (connection: Connection, payload: unknown) => unknown;

/** One event's pipeline, put together once at start-up. */
interface CompiledRoute {
  isBudgeted: boolean;
  isAdmission: boolean;
  validate: (payload: unknown) => unknown;
  handle: Handler;
  /** The event's metric series, looked up once: prom-client hashes the labels on every lookup. */
  startTimer: () => () => void;
  outcomes: OutcomeCounters;
}

/** An event's count per outcome (ok or the error code), each series looked up on its first use only. */
class OutcomeCounters {
  private readonly counters = new Map<string, { inc(): void }>();

  constructor(
    private readonly metrics: MetricsService,
    private readonly event: string,
  ) {}

  count(outcome: string): void {
    let counter = this.counters.get(outcome);
    if (!counter) {
      counter = this.metrics.socketEvents.labels(this.event, outcome);
      this.counters.set(outcome, counter);
    }
    counter.inc();
  }
}

/**
 * Made per event rather than kept per connection: an idle connection costs no memory for its log lines. Named
 * again after the handler's awaits, where the default (synchronous) log context no longer reaches.
 */
export function logContextOf(connection: Connection): LogContext {
  return { connectionId: connection.id, userId: connection.user.id };
}

const NOT_DTOS = new Set<unknown>([undefined, Object, String, Number, Boolean, Array]);

/**
 * Every client event of every transport passes here: `dispatch(connection, event, payload)` runs the user's
 * shared event budget, synchronous validation of the payload against the handler's DTO, the handler, and the
 * contract's envelope (`{ ok, data }` or `{ ok: false, error }`, the error mapped as over HTTP), and counts,
 * times and tracks the event in flight for a graceful shutdown. Handlers are the `@OnClientEvent` methods of any
 * provider. Plain promises and closures only: Nest's interceptor chain and rxjs cost more than the send itself.
 */
@Injectable()
export class ClientEventRouter implements OnModuleInit {
  private readonly logger = new Logger('Events');
  private readonly routes = new Map<string, CompiledRoute>();
  private readonly payloadTypes = new Map<string, Function>();
  private readonly validation = new ContractValidationPipe();
  private budget?: EventBudget;
  /** Decided once: the line names the event and its outcome, never the payload. */
  private readonly logsEachEvent: boolean;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly modules: ModuleRef,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'logLevel'>,
  ) {
    this.logsEachEvent = config.logLevel === 'debug' || config.logLevel === 'trace';
  }

  onModuleInit(): void {
    this.budget = this.modules.get<EventBudget>(EVENT_BUDGET, { strict: false });
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name] as Handler;
        const route = this.reflector.get<ClientEventRoute | undefined>(CLIENT_EVENT_HANDLER, method);
        if (route) this.add(route, method.bind(instance), Reflect.getMetadata('design:paramtypes', prototype, name) as unknown[] | undefined);
      }
    }
    const unhandled = Object.values(ClientEvent).filter((event) => !this.routes.has(event));
    // a client would hear `not_found` for an event the contract promises: refuse to serve rather than break it
    if (unhandled.length > 0) throw new Error(`no @OnClientEvent handler for the contract's client event ${unhandled.join(', ')}`);
  }

  /** The events a transport binds. */
  get events(): string[] {
    return [...this.routes.keys()];
  }

  /** The DTO class an event's payload is validated with, for the AsyncAPI document; undefined without one. */
  payloadTypeOf(event: string): Function | undefined {
    return this.payloadTypes.get(event);
  }

  async dispatch(connection: Connection, event: string, payload: unknown): Promise<Ack<unknown>> {
    const route = this.routes.get(event);
    if (!route) return { ok: false, error: { code: 'not_found', message: `no such event: ${event}` } };
    const stopTimer = route.startTimer();
    this.metrics.eventsInFlight++;
    let answer: Ack<unknown>;
    try {
      if (route.isBudgeted) {
        const decision = this.budget!.spend(connection.user.id, route.isAdmission);
        this.admit(decision instanceof Promise ? await decision : decision, connection.user.id);
      }
      const data = await route.handle(connection, route.validate(payload));
      answer = { ok: true, data: data ?? {} };
    } catch (error) {
      answer = { ok: false, error: withLogContext(logContextOf(connection), () => errorBodyOf(error, this.logger)) };
    }
    route.outcomes.count(answer.ok ? 'ok' : answer.error.code);
    stopTimer();
    this.metrics.eventsInFlight--;
    if (this.logsEachEvent) withLogContext(logContextOf(connection), () => this.logger.debug(`${event}: ${answer.ok ? 'ok' : answer.error.code}`));
    return answer;
  }

  /**
   * A request refused before it reached any event (a `/ws` frame that could not be read or names no event)
   * spends the user's budget like any event, so that junk costs a client no less than requests: the answer is
   * `error`, or `rate_limited` once the budget is spent.
   */
  async chargeRefusal(connection: Connection, error: ErrorBody): Promise<ErrorBody> {
    if (!this.budget!.isEnabled) return error;
    try {
      const decision = this.budget!.spend(connection.user.id);
      this.admit(decision instanceof Promise ? await decision : decision, connection.user.id);
      return error;
    } catch (refusal) {
      return withLogContext(logContextOf(connection), () => errorBodyOf(refusal, this.logger));
    }
  }

  private add(route: ClientEventRoute, handle: Handler, parameterTypes: unknown[] = []): void {
    if (this.routes.has(route.event)) throw new Error(`two handlers for client event ${route.event}`);
    const dto = parameterTypes[1];
    if (!NOT_DTOS.has(dto)) this.payloadTypes.set(route.event, dto as Function);
    const validate = NOT_DTOS.has(dto)
      ? (payload: unknown) => payload
      : (payload: unknown) => this.validation.transform(payload, { type: 'body', metatype: dto as new () => object });
    const duration = this.metrics.socketEventSeconds.labels(route.event);
    this.routes.set(route.event, {
      isBudgeted: !route.isOutsideBudget && this.budget!.isEnabled,
      isAdmission: route.isAdmission ?? false,
      validate,
      handle,
      startTimer: () => duration.startTimer(),
      outcomes: new OutcomeCounters(this.metrics, route.event),
    });
  }

  private admit(decision: EventBudgetDecision, userId: string): void {
    if (decision.allowed) return;
    this.budget!.refused(userId, decision.retryAfterMs);
    throw new ContractError('rate_limited', 'too many events: slow down', { retryAfterMs: decision.retryAfterMs });
  }
}
