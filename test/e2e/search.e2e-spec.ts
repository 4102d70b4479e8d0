import { Cluster, Redis } from 'ioredis';
import { SearchIndexRepository } from '../../src/search/search-index.repository';
import { SEARCH_INDEX_FUNCTIONS } from '../../src/search/search.scripts';
import { SearchService } from '../../src/search/search.service';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';
import { startRedis, TestRedis } from '../support/redis-server';

/** The search index through its service against real Redis: a standalone server, then a three-master Cluster. */
describe('search index on a standalone redis-server', () => {
  let server: TestRedis;
  let redis: Redis;
  let search: SearchService;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    search = new SearchService(new SearchIndexRepository(redis));
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const ids = async (query: string, rooms: string[], limit = 50) => (await search.search(query, rooms, limit)).map((hit) => hit.messageId);

  it('matches whole words case-insensitively, Unicode included', async () => {
    await search.index('general', { id: '1000-0', content: 'Über die Straße, bitte!' });
    await search.index('general', { id: '1001-0', content: 'МИР и дружба' });
    await search.index('general', { id: '1002-0', content: 'deployment finished' });

    expect(await ids('über', ['general'])).toEqual(['1000-0']);
    expect(await ids('STRASSE', ['general'])).toEqual([]);
    expect(await ids('straße', ['general'])).toEqual(['1000-0']);
    expect(await ids('мир', ['general'])).toEqual(['1001-0']);
    // whole words: no prefix or stem match
    expect(await ids('deploy', ['general'])).toEqual([]);
    expect(await ids('Deployment!', ['general'])).toEqual(['1002-0']);
  });

  it('needs every query word and ranks by weighted word counts, then newer first', async () => {
    await search.index('ranked', { id: '2000-0', content: 'incident report' });
    await search.index('ranked', { id: '2001-0', content: 'incident incident incident report' });
    await search.index('ranked', { id: '2002-0', content: 'incident report again' });
    await search.index('ranked', { id: '2003-0', content: 'incident only' });

    expect(await ids('incident report', ['ranked'])).toEqual(['2001-0', '2002-0', '2000-0']);
    expect(await ids('incident report', ['ranked'], 2)).toEqual(['2001-0', '2002-0']);
    expect(await ids('report missing', ['ranked'])).toEqual([]);
  });

  it('reflects an edit: old words stop matching, new ones match', async () => {
    await search.index('edited', { id: '3000-0', content: 'meeting at noon' });
    await search.reindex('edited', { id: '3000-0', content: 'meeting moved to friday' });

    expect(await ids('noon', ['edited'])).toEqual([]);
    expect(await ids('friday', ['edited'])).toEqual(['3000-0']);
    expect(await ids('meeting', ['edited'])).toEqual(['3000-0']);
    expect(await redis.exists('search:{edited}:w:noon')).toBe(0);
  });

  it('forgets deleted and trimmed messages and leaves no keys behind', async () => {
    await search.index('trimmed', { id: '4000-0', content: 'alpha beta' });
    await search.index('trimmed', { id: '4001-0', content: 'alpha gamma' });
    await search.index('trimmed', { id: '4002-0', content: 'alpha delta' });

    await search.unindex('trimmed', ['4000-0', '4001-0', 'never-indexed']);

    expect(await ids('alpha', ['trimmed'])).toEqual(['4002-0']);
    expect(await ids('beta', ['trimmed'])).toEqual([]);
    await search.unindex('trimmed', ['4002-0']);
    expect(await redis.keys('search:{trimmed}:*')).toEqual([]);
  });

  it('searches only the rooms it is given, merging them best first', async () => {
    await search.index('team-a', { id: '5000-0', content: 'release notes' });
    await search.index('team-b', { id: '5001-0', content: 'release release notes' });
    await search.index('secret', { id: '5002-0', content: 'release plan' });

    const hits = await search.search('release', ['team-a', 'team-b'], 10);
    expect(hits).toEqual([
      { room: 'team-b', messageId: '5001-0' },
      { room: 'team-a', messageId: '5000-0' },
    ]);
  });

  it('answers nothing for a query without words and refuses a bad limit', async () => {
    expect(await search.search(' ?! ', ['general'], 10)).toEqual([]);
    await expect(search.search('hello', ['general'], 0)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(search.search('hello', ['general'], 51)).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('gives the room store an index write it can run inside its own script', async () => {
    const write = search.indexWrite('folded', 'Folded into the send script');
    // what the send script does with the id XADD just made: search_index(KEYS[n], ARGV[k], id, ARGV, k + 1)
    await redis.eval(`${SEARCH_INDEX_FUNCTIONS}\nreturn search_index(KEYS[1], ARGV[1], '6000-0', ARGV, 2)`, 1, ...write.keys, ...write.args);

    expect(await ids('send', ['folded'])).toEqual(['6000-0']);
  });
});

describe('search index on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let redis: Cluster;
  let search: SearchService;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = new Cluster(cluster.nodes.split(',').map((address) => ({ host: address.split(':')[0], port: Number(address.split(':')[1]) })));
    search = new SearchService(new SearchIndexRepository(redis as unknown as Redis));
  }, 30_000);

  afterAll(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  it('indexes rooms on different shards and searches across them', async () => {
    const rooms = Array.from({ length: 12 }, (_, i) => `room-${i}`);
    for (const [i, room] of rooms.entries()) {
      await search.index(room, { id: `${7000 + i}-0`, content: `cluster wide hello number ${i}` });
    }
    await search.reindex('room-3', { id: '7003-0', content: 'changed text' });
    await search.unindex('room-4', ['7004-0']);

    const hits = await search.search('hello cluster', rooms, 50);

    const expected = rooms.filter((room) => room !== 'room-3' && room !== 'room-4');
    expect(hits.map((hit) => hit.room).sort()).toEqual(expected.sort());
    // the rooms' indexes really are spread over several masters
    const slots = await Promise.all(expected.map((room) => redis.cluster('KEYSLOT', `search:{${room}}:docs`) as Promise<number>));
    expect(new Set(slots.map((slot) => redis.slots[slot][0])).size).toBeGreaterThan(1);
  });
});
