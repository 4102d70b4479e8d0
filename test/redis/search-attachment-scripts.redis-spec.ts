import { attachmentScripts } from '../../src/attachments/attachment.scripts';
import { attachmentKeys } from '../../src/attachments/keys';
import { roomKeys } from '../../src/rooms/keys';
import { searchKeys } from '../../src/search/keys';
import { searchScripts } from '../../src/search/search.scripts';
import { useScriptProbe } from '../support/script-probe';

const ROOM = 'lobby';
const DAY_MS = 86_400_000;

describe('search and attachment scripts on a real redis-server', () => {
  const probe = useScriptProbe([searchScripts, attachmentScripts]);
  const stream = roomKeys.messages(ROOM);
  const docs = searchKeys.documents(ROOM);

  describe('apply-writes.lua and search-room.lua', () => {
    /** The words of an indexed message are read inside the script: their postings are reached by the prefix. */
    const postings = { prefixes: [searchKeys.postingsPrefix(ROOM)] };
    const apply = (...writes: [kind: 'new' | 'replace' | 'remove', id: string, words: Record<string, number>][]) =>
      probe.run(
        searchScripts.applyWrites,
        [docs, stream],
        [
          searchKeys.postingsPrefix(ROOM),
          ...writes.flatMap(([kind, id, words]) => [
            kind,
            id,
            String(Object.keys(words).length),
            ...Object.entries(words).flatMap(([word, count]) => [word, String(count)]),
          ]),
        ],
        postings,
      );
    const search = (words: string[], limit = 10, walk = 100) =>
      probe.run(searchScripts.search, [docs, ...words.map((word) => searchKeys.postings(ROOM, word))], [limit, walk]);

    beforeEach(async () => {
      await probe.redis.xadd(stream, '1-0', 'u', 'alice');
      await probe.redis.pexpire(stream, DAY_MS);
    });

    it('indexes, replaces and removes messages in order, each key expiring with the stream', async () => {
      expect(await apply(['new', '1-0', { red: 2, fox: 1 }], ['new', '2-0', { red: 1 }], ['new', '1-0', { blue: 1 }])).toBe(2);
      expect(await search(['red'])).toEqual({ isCut: false, flat: ['1-0', '2', '2-0', '1'] });
      expect(await apply(['replace', '1-0', { blue: 1 }], ['remove', '2-0', {}])).toBe(2);
      expect(await search(['red'])).toEqual({ isCut: false, flat: [] });
      expect(await search(['blue'])).toEqual({ isCut: false, flat: ['1-0', '1'] });
      const streamExpiry = await probe.redis.pexpiretime(stream);
      expect(await probe.redis.pexpiretime(docs)).toBe(streamExpiry);
      expect(await probe.redis.pexpiretime(searchKeys.postings(ROOM, 'blue'))).toBe(streamExpiry);
    });

    it('writes nothing new for a room whose stream is gone', async () => {
      await probe.redis.del(stream);
      expect(await apply(['new', '1-0', { red: 1 }])).toBe(0);
      expect(await probe.redis.exists(docs, searchKeys.postings(ROOM, 'red'))).toBe(0);
    });

    it('matches every word, scored by rarity, and says when the walk was cut before the page filled', async () => {
      await apply(['new', '1-0', { red: 1, fox: 1 }], ['new', '2-0', { red: 1 }], ['new', '3-0', { red: 3, fox: 1 }], ['new', '4-0', { fox: 1 }]);
      const both = await search(['red', 'fox']);
      expect(both.isCut).toBe(false);
      expect(both.flat.filter((_, i) => i % 2 === 0).sort()).toEqual(['1-0', '3-0']);
      expect(await search(['red', 'missing'])).toEqual({ isCut: false, flat: [] });
      expect((await search(['fox', 'red'], 10, 1)).isCut).toBe(true);
    });

    it('takes a turn per search within the per-second allowance, then answers the wait', async () => {
      const turn = () => probe.run(searchScripts.takeTurn, [searchKeys.rate('alice')], [2]);
      expect(await turn()).toBe(0);
      expect(await turn()).toBe(0);
      const wait = await turn();
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1000);
    });
  });

  describe('attach.lua, renew-claimed.lua, charge-quota.lua', () => {
    const metadata = (id: string) => attachmentKeys.metadata(ROOM, id);
    const attach = (ids: string[], owner: string) => probe.run(attachmentScripts.attach, [stream, ...ids.map(metadata)], [owner, 30 * DAY_MS, DAY_MS]);

    it("claims all of a sender's attachments with the room's lifetime, or none, naming the first that failed", async () => {
      await probe.redis.hset(metadata('a1'), 'owner', 'alice', 'state', 'pending');
      await probe.redis.hset(metadata('a2'), 'owner', 'alice', 'state', 'pending');
      await probe.redis.hset(metadata('b1'), 'owner', 'bob', 'state', 'pending');
      expect(await attach(['a1', 'b1'], 'alice')).toBe(1);
      expect(await attach(['a1', 'missing'], 'alice')).toBe(1);
      expect(await probe.redis.hget(metadata('a1'), 'state')).toBe('pending');
      expect(await attach(['a1', 'a2'], 'alice')).toBeUndefined();
      expect(await probe.redis.hget(metadata('a2'), 'state')).toBe('attached');
      expect(await probe.redis.pttl(metadata('a1'))).toBeGreaterThan(29 * DAY_MS);
    });

    it("renews a claimed attachment to its room's longer lifetime, and leaves one kept without expiry", async () => {
      await probe.redis.xadd(stream, '1-0', 'u', 'alice');
      await probe.redis.pexpire(stream, 10 * DAY_MS);
      await probe.redis.hset(metadata('a1'), 'owner', 'alice', 'state', 'attached');
      await probe.redis.pexpire(metadata('a1'), DAY_MS);
      const renewed = await probe.run(attachmentScripts.renewClaimed, [metadata('a1'), stream], []);
      expect(renewed.metadataTtlMs).toBe(renewed.streamTtlMs);
      expect(await probe.redis.pexpiretime(metadata('a1'))).toBe(await probe.redis.pexpiretime(stream));
      await probe.redis.persist(metadata('a1'));
      expect(await probe.run(attachmentScripts.renewClaimed, [metadata('a1'), stream], [])).toMatchObject({ metadataTtlMs: -1 });
      expect(await probe.run(attachmentScripts.renewClaimed, [metadata('gone'), stream], [])).toMatchObject({ metadataTtlMs: -2 });
    });

    it('counts bytes against the day quota, refusing what would pass it without counting it', async () => {
      const counter = attachmentKeys.dailyQuota('alice', '2026-12-06');
      const charge = (bytes: number) => probe.run(attachmentScripts.chargeQuota, [counter], [bytes, 100, 3600]);
      expect(await charge(60)).toBe(true);
      expect(await charge(50)).toBe(false);
      expect(await charge(40)).toBe(true);
      expect(await probe.redis.get(counter)).toBe('100');
      expect(await probe.redis.ttl(counter)).toBeGreaterThan(0);
    });
  });
});
