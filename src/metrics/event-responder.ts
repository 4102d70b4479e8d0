import { Logger } from '@nestjs/common';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import type { Ack } from '../common/contract';
import { MetricsService } from './metrics.service';

type ClientAck = (body: Ack<unknown>) => void;

/**
 * Answers one client event: the contract's success envelope around what its handler returned, unless the
 * exception filter already answered with an error. Every answer passes here once, so this is also where events
 * are counted by outcome, timed, and tracked in flight for a graceful shutdown.
 * It replaces Nest interceptors on the socket path: their chain binds an AsyncResource and builds several
 * observables per event, which cost more than the rest of `message:send`.
 */
export class EventResponder {
  private readonly logger = new Logger(EventResponder.name);

  constructor(private readonly metrics: MetricsService) {}

  async respond(event: string, run: (ack: ClientAck) => unknown, clientAck: unknown): Promise<void> {
    const stopTimer = this.metrics.socketEventSeconds.startTimer({ event });
    this.metrics.eventsInFlight++;
    let isAnswered = false;
    const ack: ClientAck = (body) => {
      if (isAnswered) return;
      isAnswered = true;
      this.metrics.socketEvents.inc({ event, outcome: body.ok ? 'ok' : body.error.code });
      if (typeof clientAck === 'function') clientAck(body);
    };
    try {
      let result = await run(ack);
      if (isObservable(result)) result = await lastValueFrom(result as Observable<unknown>, { defaultValue: undefined });
      if (!isAnswered) ack({ ok: true, data: result ?? {} });
    } catch (error) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      ack({ ok: false, error: { code: 'internal', message: 'internal error' } });
    } finally {
      stopTimer();
      this.metrics.eventsInFlight--;
    }
  }
}
