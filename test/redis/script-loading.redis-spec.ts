import Redis from 'ioredis';
import { roomKeys, userRoomKeys } from '../../src/rooms/keys';
import { roomScripts } from '../../src/rooms/room.scripts';
import { defineLoadedScripts } from '../../src/redis/scripts';
import { throttleKeys } from '../../src/throttling/keys';
import { throttleScripts } from '../../src/throttling/throttle.scripts';
import { startRedis, TestRedis } from '../support/redis-server';

describe('scripts on an auto-pipelined connection', () => {
  let server: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(() => client?.disconnect());
  afterAll(async () => {
    await server?.stop();
  });

  it('run when issued together in one tick, on a server that holds none of them yet', async () => {
    client = new Redis(server.url, { enableAutoPipelining: true });
    defineLoadedScripts(client);
    await client.ping();
    const tracker = throttleKeys('ws:user:alice');
    const results = await Promise.all([
      client.set('warm-up', '1'),
      roomScripts.holdRoom.run(client, [userRoomKeys('alice').rooms], ['lobby', 10]),
      throttleScripts.grant.run(client, [tracker.hits], [60_000, 5, 2]),
      roomScripts.read.run(
        client,
        [roomKeys.messages('lobby'), roomKeys.edits('lobby'), roomKeys.reactionCounts('lobby')],
        ['XRANGE', '-', '+', 10, roomKeys.threadPrefix('lobby')],
      ),
      ...Array.from({ length: 5 }, () => throttleScripts.grant.run(client, [tracker.hits], [60_000, 100, 1])),
    ]);
    expect(results.slice(0, 3)).toEqual(['OK', true, { granted: 2, msToExpire: 60_000 }]);
    expect(await client.get(tracker.hits)).toBe('7');
  });
});
