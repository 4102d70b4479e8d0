import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The node's Prometheus registry; one instance per process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly socketEvents = new Counter({
    name: 'chat_socket_events_total',
    help: 'Client events handled, by event and outcome (ok or the error code)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly socketEventSeconds = new Histogram({
    name: 'chat_socket_event_duration_seconds',
    help: 'Time from receiving a client event to its acknowledgement',
    labelNames: ['event'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  /** Client events received and not yet answered; shutdown waits for this to reach zero. */
  eventsInFlight = 0;

  readonly inFlight: Gauge = new Gauge({
    name: 'chat_socket_events_in_flight',
    help: 'Client events received and not yet acknowledged',
    registers: [this.registry],
    collect: (): void => this.inFlight.set(this.eventsInFlight),
  });

  readonly connections = new Gauge({
    name: 'chat_connections',
    help: 'Client connections open on this node, Socket.IO and plain WebSocket',
    registers: [this.registry],
  });

  /** A separate gauge rather than a label: the autoscaler and dashboards read `chat_connections` as one series. */
  readonly plainWebSocketConnections = new Gauge({
    name: 'chat_plain_websocket_connections',
    help: 'Plain WebSocket (/ws) connections open on this node, included in chat_connections',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
