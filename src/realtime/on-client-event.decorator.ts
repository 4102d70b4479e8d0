import { SetMetadata } from '@nestjs/common';
import type { Connection } from '../common/connection';
import type { ClientEventName, ClientPayload, ClientResult } from '../common/contract';
import type { Conforms } from '../common/conforms';

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
 * `unknown` (no constraint) for a handler of event E whose DTO conforms to the contract's payload of E and whose
 * result is the ack data of E; otherwise a type the method cannot meet, named after what is wrong, so that the
 * compiler refuses the decorator on that method.
 */
type HandlerCheck<E extends ClientEventName, H> = H extends (connection: Connection, payload: infer Dto) => infer Result
  ? Conforms<Dto, ClientPayload<E>> extends true
    ? [Awaited<Result>] extends [ClientResult<E>]
      ? unknown
      : { 'the handler must return the ack data of': E }
    : { 'the payload DTO must have the fields, optionality and types of the contract payload of': E }
  : { 'the handler must take (connection, payload) of': E };

/**
 * Declares a provider method the handler of a client event: `(connection: Connection, payload: SomeDto)`,
 * returning the ack's data. The payload's DTO is read from the parameter's declared type, and the compiler holds
 * it to `ClientEventMap[event]`: the DTO's fields are the payload's, the result is the ack's data.
 * `ClientEventRouter` finds every handler at start-up; no handler sees a transport.
 */
export const OnClientEvent =
  <E extends ClientEventName>(event: E, options: ClientEventOptions = {}) =>
  <H>(target: object, method: string | symbol, descriptor: TypedPropertyDescriptor<H> & HandlerCheck<E, H>): void => {
    SetMetadata<string, ClientEventRoute>(CLIENT_EVENT_HANDLER, { event, ...options })(target, method, descriptor);
  };
