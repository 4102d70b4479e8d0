import { EventEmitter } from 'node:events';
import type { ModuleRef } from '@nestjs/core';
import type { Connection } from '../common/connection';
import type { AppConfig } from '../config/app-config';
import type { RedisConnectionClient } from '../redis/redis-connections';
import type { SubscriberWatch } from '../redis/subscriber-watch';
import type { ChatNamespace } from './chat-namespace';
import { RoomFeed } from './room-feed';
import type { RoomFeedSource } from './room-feed-source';
import { fake } from '../testing/fakes';

/** The in-memory adapter's rooms and the events the feed listens to. */
class FakeAdapter extends EventEmitter {
  readonly rooms = new Map<string, Set<string>>();

  join(room: string, id: string): void {
    if (!this.rooms.has(room)) {
      this.rooms.set(room, new Set());
      this.emit('create-room', room);
    }
    this.rooms.get(room)!.add(id);
    this.emit('join-room', room, id);
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** Every callback queued so far ran, and those they queued: the feed's reads and round trips answered. */
const settled = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
};
const message = (id: string) => ({ id, room: 'general', userId: 'u', content: id, createdAt: 1 });

function feedWith(
  readAfter: RoomFeedSource['readAfter'] = async () => ({ messages: [], trimmed: false }),
  confirm: () => Promise<void> = async () => undefined,
) {
  const adapter = new FakeAdapter();
  const delivered: { room: string; except: string[]; id: string }[] = [];
  const closed: string[] = [];
  const operator = (room: string, except: string[]) => ({
    except: (ids: string[]) => operator(room, [...except, ...ids]),
    emit: (_event: string, payload: { id: string }) => delivered.push({ room, except, id: payload.id }),
  });
  const sockets = new Map(['c1', 'c2'].map((id) => [id, { conn: { close: () => closed.push(id) } }]));
  const namespace = { whenAttached: (action: () => void) => action(), server: { adapter, sockets, local: { to: (room: string) => operator(room, []) } } };
  const subscriber = Object.assign(new EventEmitter(), { ssubscribe: jest.fn(async () => 1), sunsubscribe: jest.fn(async () => 1) });
  const watch: { lost?: () => void; recovered?: () => void } = {};
  const newest = deferred<string | null>();
  const source: RoomFeedSource = {
    channelOf: (room) => `live:${room}`,
    decode: (payload) => JSON.parse(payload) as ReturnType<RoomFeedSource['decode']>,
    newestId: () => newest.promise,
    readAfter: jest.fn(readAfter),
  };
  const feed = new RoomFeed(
    namespace as unknown as ChatNamespace,
    subscriber as unknown as RedisConnectionClient,
    fake<SubscriberWatch>({ onLost: (listener) => void (watch.lost = listener), onRecovered: (listener) => void (watch.recovered = listener), confirm }),
    { get: () => source } as unknown as ModuleRef,
    { catchupMax: 3, redisAdmissionTimeoutMs: 1000, redis: { mode: 'standalone' } } as AppConfig,
  );
  feed.onModuleInit();
  const publish = (id: string, exceptConnection?: string) =>
    subscriber.emit('smessage', 'live:general', JSON.stringify({ message: message(id), exceptConnection }));
  const connection = (id: string) => fake<Connection>({ id, join: (room: string) => adapter.join(room, id) });
  return { feed, delivered, closed, publish, connection, newest, source, watch, subscriber };
}

describe('RoomFeed', () => {
  it('ends a first join at the stream id read after subscribing, and delivers only newer messages live, once', async () => {
    const { feed, delivered, publish, connection, newest, subscriber } = feedWith();
    const cursor = feed.join(connection('c1'), 'general');
    expect(subscriber.ssubscribe.mock.calls).toEqual([['chat:room-feed:anchor'], ['live:general']]);
    publish('5-0'); // published after the subscription, stored before the read: the join's catch-up serves it
    publish('7-0');
    newest.resolve('5-0');
    expect(await cursor).toBe('5-0');
    publish('7-0');
    publish('8-0', 'c1');
    expect(delivered).toEqual([
      { room: 'general', except: [], id: '7-0' },
      { room: 'general', except: ['c1'], id: '8-0' },
    ]);
  });

  it('holds live messages from the loss of its subscription until it delivered, in order, what the stream holds after its cursor', async () => {
    const missed = deferred<{ messages: ReturnType<typeof message>[]; trimmed: boolean }>();
    const { feed, delivered, closed, publish, connection, newest, watch, source } = feedWith(() => missed.promise);
    newest.resolve('1-0');
    await feed.join(connection('c1'), 'general');
    publish('2-0');
    watch.lost!();
    publish('5-0'); // on the new subscription, before the watch confirmed it
    watch.recovered!();
    publish('6-0');
    await settled();
    expect(source.readAfter).toHaveBeenCalledWith('general', '2-0', 4);
    expect(delivered.map((entry) => entry.id)).toEqual(['2-0']);
    // the read sees the held messages too: only the two before them were missed, within CATCHUP_MAX
    missed.resolve({ messages: [message('3-0'), message('4-0'), message('5-0'), message('6-0')], trimmed: false });
    await settled();
    expect(closed).toEqual([]);
    expect(delivered.map((entry) => entry.id)).toEqual(['2-0', '3-0', '4-0', '5-0', '6-0']);
    publish('7-0');
    expect(delivered.map((entry) => entry.id)).toEqual(['2-0', '3-0', '4-0', '5-0', '6-0', '7-0']);
  });

  it('counts as missed only what its subscription had not received when the read answered, confirmed by a round trip on the subscription', async () => {
    const confirmed = deferred<void>();
    const { feed, delivered, closed, publish, connection, newest, watch } = feedWith(
      async () => ({ messages: ['2-0', '3-0', '4-0', '5-0'].map(message), trimmed: false }),
      () => confirmed.promise,
    );
    newest.resolve('1-0');
    await feed.join(connection('c1'), 'general');
    watch.lost!();
    watch.recovered!();
    await settled();
    // stored after the subscription was back and read by the fill, its publication still on the way
    publish('4-0');
    publish('5-0');
    confirmed.resolve();
    await settled();
    expect(closed).toEqual([]);
    expect(delivered.map((entry) => entry.id)).toEqual(['2-0', '3-0', '4-0', '5-0']);
  });

  it('closes the connections of a room that missed more than CATCHUP_MAX, and delivers nothing of the gap', async () => {
    const { feed, delivered, closed, connection, newest, watch } = feedWith(async () => ({
      messages: ['2-0', '3-0', '4-0', '5-0'].map(message),
      trimmed: false,
    }));
    newest.resolve('1-0');
    await feed.join(connection('c1'), 'general');
    await feed.join(connection('c2'), 'general');
    watch.lost!();
    watch.recovered!();
    await settled();
    expect(closed).toEqual(['c1', 'c2']);
    expect(delivered).toEqual([]);
  });

  it('closes the connections of a room whose history no longer reaches back to its cursor', async () => {
    const { feed, delivered, closed, connection, newest, watch } = feedWith(async () => ({ messages: [message('3-0')], trimmed: true }));
    newest.resolve('1-0');
    await feed.join(connection('c1'), 'general');
    watch.lost!();
    watch.recovered!();
    await settled();
    expect(closed).toEqual(['c1']);
    expect(delivered).toEqual([]);
  });

  it('keeps messages up to a since beyond its cursor from a joining connection, and only those', async () => {
    const { feed, delivered, publish, connection, newest } = feedWith();
    newest.resolve('1-0');
    await feed.join(connection('c1'), 'general');
    expect(await feed.join(connection('c2'), 'general', '3-0')).toBe('1-0');
    publish('2-0');
    publish('3-0');
    publish('4-0');
    expect(delivered).toEqual([
      { room: 'general', except: ['c2'], id: '2-0' },
      { room: 'general', except: ['c2'], id: '3-0' },
      { room: 'general', except: [], id: '4-0' },
    ]);
  });
});
