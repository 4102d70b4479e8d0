import Redis from 'ioredis';
import { collect, connect, disconnection, nextEvent, request, requestOk } from '../support/clients';
import { untilTrue } from '../support/condition';
import { startNode } from '../support/nodes';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** Short, so that a killed node's users drop out quickly: heartbeats every second, dead after three silent ones. */
const PRESENCE_TTL_SEC = 3;
/** A dead node is noticed within TTL plus one heartbeat period; this bound is only a failure timeout. */
const HEAL_TIMEOUT_MS = 4 * PRESENCE_TTL_SEC * 1000;
/** The sorted set where each live node's presence owner id is scored with the Redis time (ms) of its last heartbeat. */
const PRESENCE_OWNERS_KEY = 'chat:{presence}:owners';

/**
 * Resolves once every owner registered now has begun two heartbeats after this call: a node starts a beat only
 * when its previous one is over, so each has by then finished a whole beat (its look for dead owners to reap,
 * and anything that look announces) that began after this call.
 */
async function untilEveryOwnerBeatTwice(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const [seconds, micros] = (await redis.time()) as [string | number, string | number];
    const since = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const owners = await redis.zrange(PRESENCE_OWNERS_KEY, '0', '-1');
    // the two survivors: the dead node's owner left the registry when it was claimed
    expect(owners).toHaveLength(2);
    for (const owner of owners) {
      const beatAfter = (after: number) => async () => {
        const at = Number(await redis.zscore(PRESENCE_OWNERS_KEY, owner));
        return at > after && at;
      };
      const first = await untilTrue(beatAfter(since), `owner ${owner} beat after ${since}`, HEAL_TIMEOUT_MS);
      await untilTrue(beatAfter(first), `owner ${owner} beat again after ${first}`, HEAL_TIMEOUT_MS);
    }
  } finally {
    redis.disconnect();
  }
}

type PresenceEvent = { room: string; userId: string; name?: string; status: 'joined' | 'left' };

const isAbout = (userId: string, status: PresenceEvent['status']) => (event: PresenceEvent) => event.userId === userId && event.status === status;

describe('presence across two nodes', () => {
  const cluster = useCluster(2, { PRESENCE_TTL_SEC: String(PRESENCE_TTL_SEC) });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('announces the first connection in and the last one out, counting devices across nodes', async () => {
    const room = uniqueRoom();
    const bob = await connect(nodeB(), { token: makeToken({ sub: 'bob', name: 'Bob' }) });
    await requestOk(bob, 'room:join', { room });
    const heard = collect<PresenceEvent>(bob, 'presence');

    const phone = await connect(nodeA(), { token: makeToken({ sub: 'alice', name: 'Alice' }) });
    const joined = nextEvent<PresenceEvent>(bob, 'presence', isAbout('alice', 'joined'));
    const phoneJoin = await requestOk(phone, 'room:join', { room });
    expect(await joined).toEqual({ room, userId: 'alice', name: 'Alice', status: 'joined' });
    expect(phoneJoin.presence).toEqual([
      { userId: 'alice', name: 'Alice', connections: 1 },
      { userId: 'bob', name: 'Bob', connections: 1 },
    ]);

    const laptop = await connect(nodeB(), { token: makeToken({ sub: 'alice', name: 'Alice' }) });
    const laptopJoin = await requestOk(laptop, 'room:join', { room });
    expect(laptopJoin.presence).toContainEqual({ userId: 'alice', name: 'Alice', connections: 2 });

    await requestOk(phone, 'room:leave', { room });
    expect((await requestOk(bob, 'presence:list', { room })).users).toEqual([
      { userId: 'alice', name: 'Alice', connections: 1 },
      { userId: 'bob', name: 'Bob', connections: 1 },
    ]);

    // carol's arrival is announced after anything the laptop's join or the phone's leave could have caused
    const carol = await connect(nodeA(), { token: makeToken({ sub: 'carol' }) });
    const carolJoined = nextEvent<PresenceEvent>(bob, 'presence', isAbout('carol', 'joined'));
    await requestOk(carol, 'room:join', { room });
    await carolJoined;
    expect(heard.map((event) => `${event.userId} ${event.status}`)).toEqual(['alice joined', 'carol joined']);

    const left = nextEvent<PresenceEvent>(bob, 'presence', isAbout('alice', 'left'));
    laptop.close();
    expect(await left).toEqual({ room, userId: 'alice', name: 'Alice', status: 'left' });
    expect((await requestOk(carol, 'presence:list', { room })).users.map((user: { userId: string }) => user.userId)).toEqual(['bob', 'carol']);
  });

  it('counts a device that joins a room twice once, and the join ack lists the joiner', async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    const first = await requestOk(alice, 'room:join', { room });
    expect(first.presence).toEqual([{ userId: 'alice', name: null, connections: 1 }]);
    const again = await requestOk(alice, 'room:join', { room });
    expect(again.presence).toEqual([{ userId: 'alice', name: null, connections: 1 }]);
  });

  it('lets presence:list be read with the right to join, without joining, and refuses it otherwise', async () => {
    const room = uniqueRoom('team');
    const member = await connect(nodeA(), { token: makeToken({ sub: 'member' }) });
    await requestOk(member, 'room:join', { room });

    const granted = await connect(nodeB(), { token: makeToken({ sub: 'granted', rooms: ['team-*'] }) });
    expect((await requestOk(granted, 'presence:list', { room })).users).toEqual([{ userId: 'member', name: null, connections: 1 }]);

    const outsider = await connect(nodeB(), { token: makeToken({ sub: 'outsider', rooms: ['general'] }) });
    expect(await request(outsider, 'presence:list', { room })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(outsider, 'presence:list', { room: 'bad room' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('announces left for a user whose connection a graceful shutdown (SIGTERM) ends', async () => {
    const room = uniqueRoom();
    const doomed = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'drained', PRESENCE_TTL_SEC: String(PRESENCE_TTL_SEC) });
    const watcher = await connect(nodeA(), { token: makeToken({ sub: 'watcher' }) });
    await requestOk(watcher, 'room:join', { room });
    const alice = await connect(doomed.url, { token: makeToken({ sub: 'alice' }) });
    await requestOk(alice, 'room:join', { room });

    const left = nextEvent<PresenceEvent>(watcher, 'presence', isAbout('alice', 'left'));
    const gone = disconnection(alice);
    expect(await doomed.stop('SIGTERM')).toBe(0);
    await gone;
    expect(await left).toEqual({ room, userId: 'alice', status: 'left' });
    expect((await requestOk(watcher, 'presence:list', { room })).users).toEqual([{ userId: 'watcher', name: null, connections: 1 }]);
  });

  it('heals after a node is killed with SIGKILL: one survivor announces left, users still connected elsewhere stay', async () => {
    const room = uniqueRoom();
    const doomed = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'doomed', PRESENCE_TTL_SEC: String(PRESENCE_TTL_SEC) });
    const bob = await connect(nodeA(), { token: makeToken({ sub: 'bob' }) });
    const dave = await connect(nodeB(), { token: makeToken({ sub: 'dave' }) });
    await requestOk(bob, 'room:join', { room });
    await requestOk(dave, 'room:join', { room });
    const alice = await connect(doomed.url, { token: makeToken({ sub: 'alice', name: 'Alice' }) });
    const carolOnDoomed = await connect(doomed.url, { token: makeToken({ sub: 'carol' }) });
    const carolOnB = await connect(nodeB(), { token: makeToken({ sub: 'carol' }) });
    for (const socket of [alice, carolOnDoomed, carolOnB]) await requestOk(socket, 'room:join', { room });
    expect((await requestOk(bob, 'presence:list', { room })).users).toContainEqual({ userId: 'carol', name: null, connections: 2 });
    const heardByBob = collect<PresenceEvent>(bob, 'presence');
    const heardByDave = collect<PresenceEvent>(dave, 'presence');

    const leftAtBob = nextEvent<PresenceEvent>(bob, 'presence', isAbout('alice', 'left'), HEAL_TIMEOUT_MS);
    const leftAtDave = nextEvent<PresenceEvent>(dave, 'presence', isAbout('alice', 'left'), HEAL_TIMEOUT_MS);
    await doomed.stop('SIGKILL');
    expect(await leftAtBob).toEqual({ room, userId: 'alice', name: 'Alice', status: 'left' });
    await leftAtDave;

    expect((await requestOk(bob, 'presence:list', { room })).users).toEqual([
      { userId: 'bob', name: null, connections: 1 },
      { userId: 'carol', name: null, connections: 1 },
      { userId: 'dave', name: null, connections: 1 },
    ]);
    // the survivor that did not reap must have finished a beat after the reap before the barrier, or its
    // duplicate `left` (had it claimed the dead owner too) could come after it, unseen. A beat that reaps nothing
    // announces nothing, but every beat writes its time to Redis: that is awaited.
    await untilEveryOwnerBeatTwice(cluster.redis.url);
    // a newcomer's arrival, announced after that, is the barrier for any second announcement
    const erin = await connect(nodeA(), { token: makeToken({ sub: 'erin' }) });
    const erinAtBob = nextEvent<PresenceEvent>(bob, 'presence', isAbout('erin', 'joined'));
    const erinAtDave = nextEvent<PresenceEvent>(dave, 'presence', isAbout('erin', 'joined'));
    await requestOk(erin, 'room:join', { room });
    await Promise.all([erinAtBob, erinAtDave]);
    for (const heard of [heardByBob, heardByDave]) {
      expect(heard.map((event) => `${event.userId} ${event.status}`)).toEqual(['alice left', 'erin joined']);
    }
  });
});
