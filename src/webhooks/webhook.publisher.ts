import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { WebhookEventType } from './webhook-event';
import { WebhookStreamRepository } from './webhook-stream.repository';

const DONE = Promise.resolve();

/**
 * What features call to emit an event. With no webhook configured (or the type filtered out by
 * `WEBHOOK_EVENTS`) `publish` does nothing at all; otherwise it appends the event with one pipelined command.
 */
@Injectable()
export class WebhookPublisher {
  private readonly logger = new Logger(WebhookPublisher.name);
  /** Undefined: every type. */
  private readonly enabledTypes?: ReadonlySet<string>;
  private readonly isConfigured: boolean;

  constructor(
    private readonly stream: WebhookStreamRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.isConfigured = config.webhooks.urls.length > 0;
    this.enabledTypes = config.webhooks.events && new Set(config.webhooks.events);
  }

  isEnabled(type: WebhookEventType): boolean {
    return this.isConfigured && (!this.enabledTypes || this.enabledTypes.has(type));
  }

  /**
   * Never throws into the caller, and never rejects: a failure is logged with the event it lost. Hot paths do not
   * wait (the XADD rides the next pipeline flush); a caller whose answer promises the event, such as an admin
   * action's response, awaits it, so that a node killed right after answering has already written it.
   */
  publish(type: WebhookEventType, data: unknown): Promise<void> {
    if (!this.isEnabled(type)) return DONE;
    try {
      const event = { id: randomUUID(), type, at: Date.now(), data };
      return this.stream.append(event).then(
        () => undefined,
        (error: Error) => this.logger.error(`webhook event ${type} ${event.id} lost: ${error.message}`),
      );
    } catch (error) {
      this.logger.error(`webhook event ${type} not published: ${error instanceof Error ? error.message : String(error)}`);
      return DONE;
    }
  }
}
