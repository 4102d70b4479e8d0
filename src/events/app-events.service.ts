import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { AppEventMap, AppEventName } from './app-events';
import { APP_EVENT_LISTENER } from './on-app-event.decorator';

const SETTLED = Promise.resolve();

type Listener<E extends AppEventName> = (payload: AppEventMap[E]) => unknown;

/** The in-process bus of `AppEventMap`: listeners are the `@OnAppEvent` methods of any provider. */
@Injectable()
export class AppEvents implements OnModuleInit {
  private readonly logger = new Logger(AppEvents.name);
  private readonly listeners = new Map<AppEventName, Listener<AppEventName>[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const events = this.reflector.get<AppEventName[] | undefined>(APP_EVENT_LISTENER, method as () => unknown) ?? [];
        for (const event of events) this.on(event, (payload) => (method as (payload: unknown, event: AppEventName) => unknown).call(instance, payload, event));
      }
    }
  }

  on<E extends AppEventName>(event: E, listener: Listener<E>): void {
    const listeners = this.listeners.get(event) ?? [];
    listeners.push(listener as Listener<AppEventName>);
    this.listeners.set(event, listeners);
  }

  /**
   * Calls each listener at once, in order; resolves once the promises they returned settled. A listener's
   * failure, thrown or rejected, is logged and never reaches the emitter. Plain calls rather than an async map
   * and `allSettled`: every stored message emits, and most listeners return nothing to wait for.
   */
  emit<E extends AppEventName>(event: E, payload: AppEventMap[E]): Promise<void> {
    const listeners = this.listeners.get(event);
    if (!listeners) return SETTLED;
    let pending: Promise<unknown>[] | undefined;
    for (const listener of listeners) {
      try {
        const result = listener(payload);
        if (result instanceof Promise) (pending ??= []).push(result.catch((error: unknown) => this.reportFailure(event, error)));
      } catch (error) {
        this.reportFailure(event, error);
      }
    }
    return pending ? Promise.all(pending).then(() => undefined) : SETTLED;
  }

  private reportFailure(event: AppEventName, error: unknown): void {
    this.logger.warn(`a listener of ${event} failed: ${String(error)}`);
  }
}
