import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Jobs waiting or running, per state, as each queue reports them to the gauges. */
export interface QueueDepth {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
}

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
    help: 'Client connections open on this node, by current transport: Socket.IO websocket or polling, or plain-websocket (/ws)',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  /** Set by realtime/ once the `/chat` namespace is attached: the connections the node holds, as its limit counts them. */
  nodeConnectionsOpen: () => number = () => 0;

  readonly connectionsOpen: Gauge = new Gauge({
    name: 'chat_connections_open',
    help: 'Socket.IO and /ws connections this node holds, handshakes being checked included: what MAX_CONNECTIONS_PER_NODE is compared with',
    registers: [this.registry],
    collect: (): void => this.connectionsOpen.set(this.nodeConnectionsOpen()),
  });

  readonly connectionsLimit = new Gauge({
    name: 'chat_connections_limit',
    help: 'MAX_CONNECTIONS_PER_NODE: handshakes beyond it are refused with unavailable (/ws: 503); 0 when there is no limit',
    registers: [this.registry],
  });

  /** Resolved once, by the engine transport's name: the hot paths below touch no label map. */
  readonly connectionsOver: Record<string, Gauge.Internal<'transport'>> = {
    websocket: this.connections.labels('websocket'),
    polling: this.connections.labels('polling'),
    'plain-websocket': this.connections.labels('plain-websocket'),
  };

  readonly slowConsumersClosed = new Counter({
    name: 'chat_slow_consumers_closed_total',
    help: 'Connections closed because their unsent output passed SEND_BUFFER_MAX_BYTES, by transport',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  readonly messagesStored = new Counter({
    name: 'chat_messages_stored_total',
    help: 'Messages stored by this node (sends acknowledged as new, not retries), by kind: room or dm',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly messagesStoredIn: Record<'room' | 'dm', Counter.Internal> = {
    room: this.messagesStored.labels('room'),
    dm: this.messagesStored.labels('dm'),
  };

  readonly messagesDelivered = new Counter({
    name: 'chat_messages_delivered_total',
    help: 'Messages emitted to connections of this node: one per receiving connection',
    registers: [this.registry],
  });

  readonly messageDeliverySeconds = new Histogram({
    name: 'chat_message_delivery_seconds',
    help: 'From a message being stored (its createdAt) to its emission to the connections of this node, once per message and node',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly redisErrors = new Counter({
    name: 'chat_redis_errors_total',
    help: 'Errors reported by the Redis connections, by connection role (commands, admission, publisher, subscriber, queue)',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  private readonly queueDepths = new Map<string, () => Promise<QueueDepth>>();

  readonly queueDepth: Gauge = new Gauge({
    name: 'chat_queue_depth',
    help: 'Jobs of a queue not yet done (waiting, delayed or running), read from Redis at each scrape',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: () => this.collectQueues(),
  });

  readonly queueDeadLetters = new Gauge({
    name: 'chat_queue_dead_letters',
    help: 'Jobs of a queue that failed every attempt and wait for a replay, read at each scrape',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // series exist from the start, so that rate() and alerts see their first increment
    for (const gauge of Object.values(this.connectionsOver)) gauge.set(0);
    for (const counter of Object.values(this.messagesStoredIn)) counter.inc(0);
  }

  /** A queue reports its depth on every scrape; registered by the module that owns it. */
  reportQueue(queue: string, depth: () => Promise<QueueDepth>): void {
    this.queueDepths.set(queue, depth);
    this.queueDepth.labels(queue).set(0);
    this.queueDeadLetters.labels(queue).set(0);
  }

  /** A queue whose Redis does not answer keeps its last values: the scrape itself must not fail. */
  private async collectQueues(): Promise<void> {
    await Promise.all(
      [...this.queueDepths].map(async ([queue, depth]) => {
        const counts = await depth().catch(() => undefined);
        if (!counts) return;
        this.queueDepth.labels(queue).set(counts.waiting + counts.delayed + counts.active);
        this.queueDeadLetters.labels(queue).set(counts.failed);
      }),
    );
  }
}
