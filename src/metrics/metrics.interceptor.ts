import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, Observable, tap } from 'rxjs';
import { ContractError } from '../common/contract-error';
import { MetricsService } from './metrics.service';

/** Counts and times every client event; errors by their contract code. */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const event = context.switchToWs().getPattern() as string;
    const stopTimer = this.metrics.socketEventSeconds.startTimer({ event });
    this.metrics.eventsInFlight++;
    return next.handle().pipe(
      tap({
        next: () => this.metrics.socketEvents.inc({ event, outcome: 'ok' }),
        error: (error: unknown) => this.metrics.socketEvents.inc({ event, outcome: error instanceof ContractError ? error.code : 'error' }),
      }),
      finalize(() => {
        stopTimer();
        this.metrics.eventsInFlight--;
      }),
    );
  }
}
