import { Cluster, Redis } from 'ioredis';
import type { SearchIndexFailures } from '../../src/search/search-index-failures';
import { roomKeys } from '../../src/rooms/keys';
import { SearchIndexRepository } from '../../src/search/search-index.repository';
import { MAX_CHANGES_PER_CALL, SearchIndexWriter } from '../../src/search/search-index.writer';
import { SEARCH_LOOKUPS_PER_SEARCH, SearchService } from '../../src/search/search.service';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';
import { startRedis, TestRedis } from '../support/redis-server';

/** Index writes as the send path makes them, through the batching writer, each test's writes flushed before it reads. */
function indexWriter(redis: Redis | Cluster) {
  const failed: { room: string; changes: { operation: string; messageId: string }[]; error: Error }[] = [];
  const failures = { record: (room: string, changes: { operation: string; messageId: string }[], error: Error) => void failed.push({ room, changes, error }) };
  const writer = new SearchIndexWriter(new SearchIndexRepository(redis as Redis), failures as unknown as SearchIndexFailures, { searchIndexFlushMs: 0 });
  const flushed = async (write: () => void) => {
    write();
    await writer.flush();
  };
  return {
    writer,
    failed,
    index: (room: string, message: { id: string; content: string }) => flushed(() => writer.index(room, message)),
    reindex: (room: string, message: { id: string; content: string }) => flushed(() => writer.reindex(room, message)),
    unindex: (room: string, ids: string[]) => flushed(() => writer.unindex(room, ids)),
  };
}

/** The index writes only for rooms that have messages (their stream exists): it expires with them. */
async function withMessages(redis: Redis | Cluster, rooms: string[]): Promise<void> {
  await Promise.all(rooms.map((room) => redis.xadd(roomKeys.messages(room), '*', 'placeholder', '1')));
}

/** The search index through its service against real Redis: a standalone server, then a three-master Cluster. */
describe('search index on a standalone redis-server', () => {
  let server: TestRedis;
  let redis: Redis;
  let search: SearchService;
  let index: ReturnType<typeof indexWriter>;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    search = new SearchService(new SearchIndexRepository(redis));
    index = indexWriter(redis);
    await withMessages(redis, ['general', 'ranked', 'edited', 'trimmed', 'team-a', 'team-b', 'secret', 'bounded', 'batched', 'long-queue', 'race']);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const ids = async (query: string, rooms: string[], limit = 50) => (await search.search(query, rooms, limit)).hits.map((hit) => hit.messageId);

  it('matches whole words case-insensitively, Unicode included', async () => {
    await index.index('general', { id: '1000-0', content: 'Über die Straße, bitte!' });
    await index.index('general', { id: '1001-0', content: 'МИР и дружба' });
    await index.index('general', { id: '1002-0', content: 'deployment finished' });

    expect(await ids('über', ['general'])).toEqual(['1000-0']);
    expect(await ids('STRASSE', ['general'])).toEqual([]);
    expect(await ids('straße', ['general'])).toEqual(['1000-0']);
    expect(await ids('мир', ['general'])).toEqual(['1001-0']);
    // whole words: no prefix or stem match
    expect(await ids('deploy', ['general'])).toEqual([]);
    expect(await ids('Deployment!', ['general'])).toEqual(['1002-0']);
  });

  it('needs every query word and ranks by weighted word counts, then newer first', async () => {
    await index.index('ranked', { id: '2000-0', content: 'incident report' });
    await index.index('ranked', { id: '2001-0', content: 'incident incident incident report' });
    await index.index('ranked', { id: '2002-0', content: 'incident report again' });
    await index.index('ranked', { id: '2003-0', content: 'incident only' });

    expect(await ids('incident report', ['ranked'])).toEqual(['2001-0', '2002-0', '2000-0']);
    expect(await ids('incident report', ['ranked'], 2)).toEqual(['2001-0', '2002-0']);
    expect(await ids('report missing', ['ranked'])).toEqual([]);
  });

  it('reflects an edit: old words stop matching, new ones match', async () => {
    await index.index('edited', { id: '3000-0', content: 'meeting at noon' });
    await index.reindex('edited', { id: '3000-0', content: 'meeting moved to friday' });

    expect(await ids('noon', ['edited'])).toEqual([]);
    expect(await ids('friday', ['edited'])).toEqual(['3000-0']);
    expect(await ids('meeting', ['edited'])).toEqual(['3000-0']);
    expect(await redis.exists('search:{edited}:w:noon')).toBe(0);
  });

  it('forgets deleted and trimmed messages and leaves no keys behind', async () => {
    await index.index('trimmed', { id: '4000-0', content: 'alpha beta' });
    await index.index('trimmed', { id: '4001-0', content: 'alpha gamma' });
    await index.index('trimmed', { id: '4002-0', content: 'alpha delta' });

    await index.unindex('trimmed', ['4000-0', '4001-0', 'never-indexed']);

    expect(await ids('alpha', ['trimmed'])).toEqual(['4002-0']);
    expect(await ids('beta', ['trimmed'])).toEqual([]);
    await index.unindex('trimmed', ['4002-0']);
    expect(await redis.keys('search:{trimmed}:*')).toEqual([]);
  });

  it('searches only the rooms it is given, merging them best first', async () => {
    await index.index('team-a', { id: '5000-0', content: 'release notes' });
    await index.index('team-b', { id: '5001-0', content: 'release release notes' });
    await index.index('secret', { id: '5002-0', content: 'release plan' });

    const { hits } = await search.search('release', ['team-a', 'team-b'], 10);
    expect(hits).toEqual([
      { room: 'team-b', messageId: '5001-0' },
      { room: 'team-a', messageId: '5000-0' },
    ]);
  });

  it('answers nothing for a query without words and refuses a bad limit', async () => {
    expect(await search.search(' ?! ', ['general'], 10)).toEqual({ hits: [], isPartial: false });
    await expect(search.search('hello', ['general'], 0)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(search.search('hello', ['general'], 51)).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('bounds a search of several words: walks at most SEARCH_LOOKUPS_PER_SEARCH postings, says when it stopped short, and stops at a full page', async () => {
    const zscoreCalls = async () => Number(/^cmdstat_zscore:calls=(\d+)/m.exec(await redis.info('commandstats'))?.[1] ?? 0);
    // alpha: the smaller set, one past the bound by 500; the only messages with both words are its 10 oldest,
    // which a walk from the best (newest) end reaches last
    const alphas = SEARCH_LOOKUPS_PER_SEARCH + 500;
    for (let i = 0; i < alphas; i++) index.writer.index('bounded', { id: `${100_000 + i}-0`, content: i < 10 ? 'alpha beta' : 'alpha' });
    for (let i = 0; i < alphas + 100; i++) index.writer.index('bounded', { id: `${200_000 + i}-0`, content: 'beta' });
    await index.writer.flush();
    expect(index.failed).toEqual([]);

    let before = await zscoreCalls();
    expect(await search.search('alpha beta', ['bounded'], 50)).toEqual({ hits: [], isPartial: true });
    expect((await zscoreCalls()) - before).toBe(SEARCH_LOOKUPS_PER_SEARCH);

    await index.index('bounded', { id: '300000-0', content: 'alpha beta, newest' });
    before = await zscoreCalls();
    expect(await search.search('alpha beta', ['bounded'], 1)).toEqual({ hits: [{ room: 'bounded', messageId: '300000-0' }], isPartial: false });
    expect((await zscoreCalls()) - before).toBe(1);
    // one word reads its best postings straight from the set, whatever its size
    expect((await search.search('beta', ['bounded'], 3)).isPartial).toBe(false);
  });

  it('writes the changes of one room queued in one turn of the event loop with one script call, in order', async () => {
    const scriptCalls = async () => {
      const stats = await redis.info('commandstats');
      return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, [, calls]) => sum + Number(calls), 0);
    };
    await index.index('batched', { id: '8000-0', content: 'warm the script cache' });
    const before = await scriptCalls();

    index.writer.index('batched', { id: '8001-0', content: 'first draft' });
    index.writer.index('batched', { id: '8002-0', content: 'second draft' });
    index.writer.reindex('batched', { id: '8001-0', content: 'final text' });
    index.writer.unindex('batched', ['8000-0', '8002-0']);
    index.writer.index('batched', { id: '8003-0', content: 'another draft' });
    await index.writer.flush();

    expect((await scriptCalls()) - before).toBe(1);
    expect(await ids('draft', ['batched'])).toEqual(['8003-0']);
    expect(await ids('final', ['batched'])).toEqual(['8001-0']);
    expect(await ids('warm', ['batched'])).toEqual([]);
    expect(index.failed).toEqual([]);
  });

  it('splits a long queue into calls of MAX_CHANGES_PER_CALL and indexes every message', async () => {
    const count = MAX_CHANGES_PER_CALL * 2 + 5;
    for (let i = 0; i < count; i++) index.writer.index('long-queue', { id: `${9000 + i}-0`, content: `bulk message ${i}` });
    await index.writer.flush();
    expect(await redis.hlen('search:{long-queue}:docs')).toBe(count);
    expect(await ids('bulk', ['long-queue'], 50)).toHaveLength(50);
  });

  it("keeps an edit that reached Redis before the send's own index write (an edit made on another node)", async () => {
    await index.reindex('race', { id: '9500-0', content: 'edited words' });
    await index.index('race', { id: '9500-0', content: 'original words' });
    expect(await ids('edited', ['race'])).toEqual(['9500-0']);
    expect(await ids('original', ['race'])).toEqual([]);
    // a message without words is still known as indexed, so a late original write cannot bring old words back
    await index.reindex('race', { id: '9501-0', content: '🚀 !!' });
    await index.index('race', { id: '9501-0', content: 'launch day' });
    expect(await ids('launch', ['race'])).toEqual([]);
  });

  it('records every change of a failed call, logged and counted, and throws nothing', async () => {
    const closed = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false });
    const broken = indexWriter(closed);
    broken.writer.index('lost', { id: '9900-0', content: 'never written' });
    broken.writer.unindex('lost', ['9800-0']);
    await broken.writer.flush();
    expect(broken.failed).toEqual([
      {
        room: 'lost',
        error: expect.any(Error),
        changes: [expect.objectContaining({ operation: 'index', messageId: '9900-0' }), expect.objectContaining({ operation: 'unindex', messageId: '9800-0' })],
      },
    ]);
    closed.disconnect();
  });
});

describe('search index on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let redis: Cluster;
  let search: SearchService;
  let index: ReturnType<typeof indexWriter>;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = new Cluster(cluster.nodes.split(',').map((address) => ({ host: address.split(':')[0], port: Number(address.split(':')[1]) })));
    search = new SearchService(new SearchIndexRepository(redis as unknown as Redis));
    index = indexWriter(redis);
    await withMessages(
      redis,
      Array.from({ length: 12 }, (_, i) => `room-${i}`),
    );
  }, 30_000);

  afterAll(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  it('indexes rooms on different shards and searches across them', async () => {
    const rooms = Array.from({ length: 12 }, (_, i) => `room-${i}`);
    // one flush: a script call per room, sent together to the rooms' shards
    for (const [i, room] of rooms.entries()) index.writer.index(room, { id: `${7000 + i}-0`, content: `cluster wide hello number ${i}` });
    index.writer.reindex('room-3', { id: '7003-0', content: 'changed text' });
    index.writer.unindex('room-4', ['7004-0']);
    await index.writer.flush();
    expect(index.failed).toEqual([]);

    const { hits, isPartial } = await search.search('hello cluster', rooms, 50);
    expect(isPartial).toBe(false);

    const expected = rooms.filter((room) => room !== 'room-3' && room !== 'room-4');
    expect(hits.map((hit) => hit.room).sort()).toEqual(expected.sort());
    // the rooms' indexes really are spread over several masters
    const slots = await Promise.all(expected.map((room) => redis.cluster('KEYSLOT', `search:{${room}}:docs`) as Promise<number>));
    expect(new Set(slots.map((slot) => redis.slots[slot][0])).size).toBeGreaterThan(1);
  });
});
