import { SetMetadata } from '@nestjs/common';
import type { ClientEventName } from '../common/contract';

export const CLIENT_EVENT_HANDLER = 'client-event-handler';

export interface ClientEventOptions {
  /** For an event that must not wait on the shared budget; it needs a limit of its own. */
  isOutsideBudget?: boolean;
  /**
   * Part of admitting a client (a join): a budget slice it has to ask Redis for may wait as long as the join's own
   * work, REDIS_ADMISSION_TIMEOUT_MS, so that a reconnect storm is not refused by the send path's timeout.
   */
  isAdmission?: boolean;
}

export interface ClientEventRoute extends ClientEventOptions {
  event: ClientEventName;
}

/**
 * Declares a provider method the handler of a client event: `(connection: Connection, payload: SomeDto)`,
 * returning the ack's data. The payload's DTO is read from the parameter's declared type.
 * `ClientEventRouter` finds every handler at start-up; no handler sees a transport.
 */
export const OnClientEvent = (event: ClientEventName, options: ClientEventOptions = {}) =>
  SetMetadata<string, ClientEventRoute>(CLIENT_EVENT_HANDLER, { event, ...options });
