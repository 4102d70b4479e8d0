import { Logger } from '@nestjs/common';
import type { AppConfig, WebhookConfig } from '../config/app-config';
import { fake } from '../testing/fakes';
import type { WebhookBacklogWatch } from './webhook-backlog.watch';
import type { WebhookEvent } from './webhook-event';
import type { WebhookQueue } from './webhook-queue';
import type { StreamedEvent, WebhookStreamRepository } from './webhook-stream.repository';
import { WebhookDispatcher } from './webhook.dispatcher';

const CLAIM_IDLE_MS = 60_000;
/** How long the dispatcher's read blocks when nothing is new (the dispatcher asks for 1000 ms). */
const READ_BLOCK_MS = 1000;

const event = (id: string): WebhookEvent => ({ id, type: 'message.created', at: 0, data: { id } });
const entry = (entryId: string, withEvent = true): StreamedEvent => (withEvent ? { entryId, event: event(`e-${entryId}`) } : { entryId });

/**
 * The event stream as the dispatcher reads it: `news` are the batches XREADGROUP will answer, one per read, and
 * a read with nothing new blocks for as long as it was asked to; `abandoned` what XAUTOCLAIM will answer.
 */
function setUp(webhooks: Partial<WebhookConfig> = {}) {
  const log: string[] = [];
  const news: StreamedEvent[][] = [];
  const abandoned: StreamedEvent[][] = [];
  const failures = { ensureGroup: [] as Error[], enqueue: [] as Error[], read: [] as Error[] };
  const stream = fake<WebhookStreamRepository>(
    {
      ensureGroup: async () => {
        log.push('ensureGroup');
        const failure = failures.ensureGroup.shift();
        if (failure) throw failure;
      },
      readNew: async (consumer, count, blockMs) => {
        log.push(`readNew ${consumer} ${count}`);
        const failure = failures.read.shift();
        if (failure) throw failure;
        const batch = news.shift();
        if (batch) return batch;
        await new Promise((resolve) => setTimeout(resolve, blockMs));
        return [];
      },
      claimAbandoned: async (consumer, idleMs, count) => (log.push(`claimAbandoned ${consumer} ${idleMs} ${count}`), abandoned.shift() ?? []),
      acknowledge: async (entryIds) => void log.push(`acknowledge ${entryIds.join(',')}`),
    },
    'WebhookStreamRepository',
  );
  const deliveries = fake<WebhookQueue>(
    {
      enqueue: async (entryIds, events) => {
        const failure = failures.enqueue.shift();
        if (failure) throw failure;
        log.push(`enqueue ${entryIds.join(',')} [${events.map(({ id }) => id).join(',')}]`);
      },
    },
    'WebhookQueue',
  );
  const backlog = fake<WebhookBacklogWatch>({ check: async () => void log.push('check') }, 'WebhookBacklogWatch');
  const config = fake<AppConfig>(
    {
      nodeId: 'node-a',
      webhooks: {
        urls: ['https://hooks.example/in'],
        batchSize: 100,
        maxAttempts: 3,
        retryBaseMs: 1000,
        timeoutMs: 5000,
        claimIdleMs: CLAIM_IDLE_MS,
        backlogMax: 1000,
        ...webhooks,
      },
    },
    'AppConfig',
  );
  const dispatcher = new WebhookDispatcher(stream, deliveries, backlog, config);
  /** What the dispatcher did apart from its routine: reads, checks and claims that found nothing. */
  const actions = () => log.filter((line) => !/^(readNew|check|claimAbandoned)/.test(line));
  return { dispatcher, log, actions, news, abandoned, failures };
}

describe('WebhookDispatcher', () => {
  let warned: jest.SpyInstance;
  beforeEach(() => {
    jest.useFakeTimers();
    warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    warned.mockRestore();
  });

  it('does not run when no webhook URL is configured', async () => {
    const { dispatcher, log } = setUp({ urls: [] });
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(5 * READ_BLOCK_MS);
    expect(log).toEqual([]);
    await dispatcher.beforeApplicationShutdown();
  });

  it('creates the group once, then queues each batch it reads and acknowledges it once queued', async () => {
    const { dispatcher, log, actions, news } = setUp();
    news.push([entry('1-0'), entry('2-0')], [entry('3-0')]);
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);

    expect(log.slice(0, 4)).toEqual(['ensureGroup', 'check', `claimAbandoned node-a ${CLAIM_IDLE_MS} 100`, 'readNew node-a 100']);
    expect(actions()).toEqual(['ensureGroup', 'enqueue 1-0,2-0 [e-1-0,e-2-0]', 'acknowledge 1-0,2-0', 'enqueue 3-0 [e-3-0]', 'acknowledge 3-0']);
    await jest.advanceTimersByTimeAsync(10 * READ_BLOCK_MS);
    expect(log.filter((line) => line === 'ensureGroup')).toHaveLength(1);
    await stop(dispatcher);
  });

  it('acknowledges without queueing the entries whose event is gone', async () => {
    const { dispatcher, actions, news } = setUp();
    news.push([entry('1-0', false)], [entry('2-0', false), entry('3-0')]);
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(actions()).toEqual(['ensureGroup', 'acknowledge 1-0', 'enqueue 2-0,3-0 [e-3-0]', 'acknowledge 2-0,3-0']);
    await stop(dispatcher);
  });

  it('acknowledges nothing it could not queue, pauses a second, and goes on', async () => {
    const { dispatcher, actions, news, failures } = setUp();
    news.push([entry('1-0')], [entry('2-0')]);
    failures.enqueue.push(new Error('Connection is closed.'));
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);

    expect(actions()).toEqual(['ensureGroup']);
    expect(warned).toHaveBeenCalledWith('webhook dispatch paused: Connection is closed.');
    await jest.advanceTimersByTimeAsync(999);
    expect(actions()).toEqual(['ensureGroup']);
    await jest.advanceTimersByTimeAsync(1);
    expect(actions()).toEqual(['ensureGroup', 'enqueue 2-0 [e-2-0]', 'acknowledge 2-0']);
    await stop(dispatcher);
  });

  it('takes over the entries another node read and never acknowledged, every half WEBHOOK_CLAIM_IDLE_MS', async () => {
    const { dispatcher, log, actions, abandoned } = setUp();
    abandoned.push([entry('0-1'), entry('0-2')], [entry('0-3')]);
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(actions()).toEqual(['ensureGroup', 'enqueue 0-1,0-2 [e-0-1,e-0-2]', 'acknowledge 0-1,0-2']);
    expect(warned).toHaveBeenCalledWith('2 webhook events taken over from a node that stopped dispatching');

    await jest.advanceTimersByTimeAsync(CLAIM_IDLE_MS / 2 - READ_BLOCK_MS);
    expect(log.filter((line) => line.startsWith('claimAbandoned'))).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(READ_BLOCK_MS);
    expect(log.filter((line) => line.startsWith('claimAbandoned'))).toHaveLength(2);
    expect(actions()).toContain('acknowledge 0-3');
    await stop(dispatcher);
  });

  it('creates the group again when Redis lost it (NOGROUP), and only then', async () => {
    const { dispatcher, log, failures } = setUp();
    failures.read.push(new Error('NOGROUP No such key or consumer group'), new Error('Connection is closed.'));
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(log.filter((line) => line === 'ensureGroup')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1000);
    await jest.advanceTimersByTimeAsync(5 * READ_BLOCK_MS);
    expect(log.filter((line) => line === 'ensureGroup')).toHaveLength(2);
    await stop(dispatcher);
  });

  it('stops reading at shutdown, once the read under way returned', async () => {
    const { dispatcher, log } = setUp();
    dispatcher.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    const reads = log.filter((line) => line.startsWith('readNew')).length;

    let isStopped = false;
    const stopped = dispatcher.beforeApplicationShutdown().then(() => (isStopped = true));
    await jest.advanceTimersByTimeAsync(READ_BLOCK_MS - 1);
    expect(isStopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopped;
    await jest.advanceTimersByTimeAsync(10 * READ_BLOCK_MS);
    expect(log.filter((line) => line.startsWith('readNew'))).toHaveLength(reads);
  });
});

/** Shutdown waits for the blocking read under way: the fake clock lets it return. */
async function stop(dispatcher: WebhookDispatcher): Promise<void> {
  const stopped = dispatcher.beforeApplicationShutdown();
  await jest.advanceTimersByTimeAsync(READ_BLOCK_MS);
  await stopped;
}
