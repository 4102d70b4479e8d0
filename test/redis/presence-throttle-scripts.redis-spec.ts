import { presenceOwnerKeys, presenceRoomKeys } from '../../src/presence/keys';
import { presenceScripts } from '../../src/presence/presence.scripts';
import { throttleKeys, userConnectionsKey } from '../../src/throttling/keys';
import { throttleScripts } from '../../src/throttling/throttle.scripts';
import { useScriptProbe } from '../support/script-probe';

const ROOM = 'lobby';
const MINUTE_MS = 60_000;

describe('presence and throttling scripts on a real redis-server', () => {
  const probe = useScriptProbe([presenceScripts, throttleScripts]);
  const roomKeys = [presenceRoomKeys.connections(ROOM), presenceRoomKeys.users(ROOM), presenceRoomKeys.names(ROOM)] as [string, string, string];
  const ownerKeys = [presenceOwnerKeys.owners, presenceOwnerKeys.reaping] as [string, string];

  describe('set-connections.lua, remove-owner.lua, list-members.lua', () => {
    const set = (owner: string, userId: string, count: number, name = '') => probe.run(presenceScripts.setConnections, roomKeys, [owner, userId, count, name]);
    const members = () => probe.run(presenceScripts.listMembers, [presenceRoomKeys.users(ROOM), presenceRoomKeys.names(ROOM)], []);

    it("keeps each user's total across owners, and says when the room became occupied and vacated", async () => {
      expect(await set('node-a', 'alice', 2, 'Alice')).toEqual({ before: 0, after: 2, room: 'occupied' });
      expect(await set('node-b', 'alice', 1)).toEqual({ before: 2, after: 3 });
      expect(await set('node-b', 'alice', 1)).toEqual({ before: 3, after: 3 });
      expect(await set('node-a', 'bob', 1)).toEqual({ before: 0, after: 1 });
      expect((await members()).sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
        { userId: 'alice', name: 'Alice', connections: 3 },
        { userId: 'bob', name: null, connections: 1 },
      ]);
      expect(await set('node-a', 'bob', 0)).toEqual({ before: 1, after: 0 });
      expect(await set('node-a', 'alice', 0)).toEqual({ before: 3, after: 1 });
      expect(await set('node-b', 'alice', 0)).toEqual({ before: 1, after: 0, room: 'vacated' });
      expect(await members()).toEqual([]);
    });

    it("removes an owner's entries, reporting who is gone and whether the room emptied", async () => {
      await set('node-a', 'alice', 1, 'Alice');
      await set('node-a', 'bob', 1);
      await set('node-b', 'bob', 1);
      expect(await probe.run(presenceScripts.removeOwner, roomKeys, ['node-a'])).toEqual({ gone: [{ userId: 'alice', name: 'Alice' }], isVacated: false });
      expect(await probe.run(presenceScripts.removeOwner, roomKeys, ['node-b'])).toEqual({ gone: [{ userId: 'bob' }], isVacated: true });
      expect(await probe.run(presenceScripts.removeOwner, roomKeys, ['node-c'])).toEqual({ gone: [], isVacated: false });
    });
  });

  describe('heartbeat.lua and claim-owner.lua', () => {
    const heartbeat = (owner: string, wasRegistered: boolean, ttlMs = MINUTE_MS) =>
      probe.run(presenceScripts.heartbeat, ownerKeys, [owner, wasRegistered ? '1' : '0', ttlMs]);
    const claim = (owner: string, force = false, ttlMs = MINUTE_MS) => probe.run(presenceScripts.claimOwner, ownerKeys, [owner, ttlMs, force ? '1' : '0']);

    it('lists owners that stopped beating, and exactly one claim of a stale owner wins', async () => {
      expect(await heartbeat('node-a', false)).toEqual({ isKnown: true, staleOwners: [] });
      await probe.redis.zadd(presenceOwnerKeys.owners, 1, 'node-dead');
      expect(await heartbeat('node-a', true)).toEqual({ isKnown: true, staleOwners: ['node-dead'] });
      expect(await claim('node-a')).toBe(false);
      expect(await claim('node-dead')).toBe(true);
      expect(await claim('node-dead')).toBe(false);
      expect(await probe.redis.zscore(presenceOwnerKeys.owners, 'node-dead')).toBeNull();
      expect(await claim('node-a', true)).toBe(true);
    });

    it('tells a registered owner that it was taken for dead', async () => {
      expect(await heartbeat('node-a', true)).toEqual({ isKnown: false });
      expect(await claim('never-seen')).toBe(false);
    });
  });

  describe('hit.lua and grant.lua', () => {
    const keys = throttleKeys('ws:user:alice');
    const hit = (limit: number, blockMs: number) => probe.run(throttleScripts.hit, [keys.hits, keys.blocked], [MINUTE_MS, limit, blockMs]);

    it('counts hits in a window and blocks the tracker once over the limit', async () => {
      expect(await hit(2, 5000)).toMatchObject({ totalHits: 1, isBlocked: false, msToBlockExpire: 0 });
      expect(await hit(2, 5000)).toMatchObject({ totalHits: 2, isBlocked: false });
      expect(await hit(2, 5000)).toMatchObject({ totalHits: 3, isBlocked: true, msToExpire: 5000, msToBlockExpire: 5000 });
      const blocked = await hit(2, 5000);
      expect(blocked).toMatchObject({ totalHits: 3, isBlocked: true });
      expect(blocked.msToBlockExpire).toBeLessThanOrEqual(5000);
    });

    it('refuses past the limit without a block when blockMs is 0, until the window ends', async () => {
      await hit(1, 0);
      const refused = await hit(1, 0);
      expect(refused).toMatchObject({ totalHits: 2, isBlocked: true });
      expect(refused.msToBlockExpire).toBe(refused.msToExpire);
      expect(await probe.redis.exists(keys.blocked)).toBe(0);
    });

    it('grants slices of what is left of the window, then nothing', async () => {
      const grant = (want: number) => probe.run(throttleScripts.grant, [keys.hits], [MINUTE_MS, 5, want]);
      expect(await grant(3)).toMatchObject({ granted: 3 });
      expect(await grant(3)).toMatchObject({ granted: 2 });
      const spent = await grant(3);
      expect(spent.granted).toBe(0);
      expect(spent.msToExpire).toBeGreaterThan(0);
    });
  });

  describe('admit-connection.lua, renew-connections.lua, count-live-connections.lua', () => {
    const key = userConnectionsKey('alice');
    const admit = (socketId: string, leaseMs = MINUTE_MS) => probe.run(throttleScripts.admitConnection, [key], [socketId, leaseMs, 2]);
    const count = () => probe.run(throttleScripts.countLiveConnections, [key], []);

    it('admits up to the maximum of live leases, renews held ones only, and counts the live ones', async () => {
      expect(await admit('s1')).toBe(true);
      expect(await admit('s2')).toBe(true);
      expect(await admit('s3')).toBe(false);
      expect(await count()).toBe(2);
      await probe.redis.zrem(key, 's2');
      expect(await probe.run(throttleScripts.renewConnections, [key], [MINUTE_MS, 's1', 's2'])).toBe(1);
      expect(await probe.redis.zrange(key, '0', '-1')).toEqual(['s1']);
    });

    it('does not count expired leases, and admits in their place', async () => {
      await probe.redis.zadd(key, 1, 'dead-1', 2, 'dead-2');
      expect(await count()).toBe(0);
      expect(await admit('s1')).toBe(true);
      expect(await probe.redis.zrange(key, '0', '-1')).toEqual(['s1']);
    });
  });
});
