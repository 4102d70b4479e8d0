import Redis from 'ioredis';
import { roomKeys, userRoomKeys } from '../../src/rooms/keys';
import { liveFeedParts } from '../../src/rooms/live-feed';
import { encodeMessage, MessageDraft } from '../../src/rooms/message.codec';
import { roomScripts } from '../../src/rooms/room.scripts';
import { useScriptProbe } from '../support/script-probe';

const ROOM = 'lobby';
const DAY_MS = 86_400_000;
const LIFETIME_MS = 30 * DAY_MS;

describe('room scripts on a real redis-server', () => {
  const probe = useScriptProbe([roomScripts]);
  const k = {
    stream: roomKeys.messages(ROOM),
    edits: roomKeys.edits(ROOM),
    counts: roomKeys.reactionCounts(ROOM),
    lastRead: roomKeys.lastRead(ROOM),
    tombstones: roomKeys.tombstones(ROOM),
    held: roomKeys.heldDeletions(ROOM),
  };
  /** The room's keys named by ids the scripts read inside (threads of trimmed or deleted messages' roots). */
  const threads = { prefixes: [roomKeys.threadPrefix(ROOM)] };

  function append(draft: MessageDraft, maxLength = 100) {
    return probe.run(
      roomScripts.append,
      [
        k.stream,
        draft.clientMsgId ? roomKeys.dedup(ROOM, draft.userId, draft.clientMsgId) : k.stream,
        roomKeys.mute(ROOM, draft.userId),
        k.edits,
        k.counts,
        draft.replyTo ? roomKeys.thread(ROOM, draft.replyTo) : k.stream,
        k.lastRead,
        k.tombstones,
      ],
      [
        maxLength,
        draft.clientMsgId ? 60 : 0,
        draft.replyTo ?? '',
        roomKeys.threadPrefix(ROOM),
        LIFETIME_MS,
        roomKeys.live(ROOM),
        ...liveFeedParts(ROOM, draft, 'conn-1', []),
        ...encodeMessage(draft),
      ],
      { ...threads, channels: [roomKeys.live(ROOM)] },
    );
  }

  async function stored(draft: MessageDraft, maxLength?: number): Promise<string> {
    const outcome = await append(draft, maxLength);
    if (outcome.status !== 'stored') throw new Error(`not stored: ${outcome.status}`);
    return outcome.id;
  }

  const read = (command: 'XRANGE' | 'XREVRANGE', start: string, end: string, count: number) =>
    probe.run(roomScripts.read, [k.stream, k.edits, k.counts], [command, start, end, count, roomKeys.threadPrefix(ROOM)], threads);

  const edit = (id: string, editorId: string, content = 'edited') =>
    probe.run(roomScripts.edit, [k.stream, k.edits, k.counts, roomKeys.mute(ROOM, editorId), roomKeys.thread(ROOM, id)], [id, editorId, content, 1234, 'bob']);

  const remove = (id: string, deleterId: string, options: { mayDeleteAny?: boolean; isRoomHeld?: boolean; heldUsers?: string[] } = {}) =>
    probe.run(
      roomScripts.delete,
      [k.stream, k.edits, k.counts, k.held, roomKeys.reactionsByUser(ROOM, id), roomKeys.thread(ROOM, id)],
      [id, deleterId, options.mayDeleteAny ? '1' : '0', roomKeys.threadPrefix(ROOM), options.isRoomHeld ? '1' : '0', (options.heldUsers ?? []).join(' '), 5678],
      threads,
    );

  describe('append-message.lua', () => {
    it('stores the message, publishes it on the room channel with its id and time spliced in, and gives the room its lifetime', async () => {
      const subscriber = new Redis(probe.redis.options);
      try {
        await subscriber.ssubscribe(roomKeys.live(ROOM));
        const heard = new Promise<string>((resolve) => subscriber.once('smessage', (_channel: string, payload: string) => resolve(payload)));
        const id = await stored({ userId: 'alice', content: 'hello' });

        expect(await probe.redis.xrange(k.stream, '-', '+')).toEqual([[id, encodeMessage({ userId: 'alice', content: 'hello' })]]);
        const [except, json] = (await heard).split('\n');
        expect(except).toBe('conn-1');
        expect(JSON.parse(json)).toMatchObject({ id, room: ROOM, userId: 'alice', content: 'hello', createdAt: Number(id.split('-')[0]) });
        expect(await probe.redis.pttl(k.stream)).toBeGreaterThan(LIFETIME_MS - 60_000);
      } finally {
        subscriber.disconnect();
      }
    });

    it('answers a retry with the stored message, without storing it again', async () => {
      const draft = { userId: 'alice', content: 'once', clientMsgId: 'c-1' };
      const id = await stored(draft);
      expect(await append(draft)).toEqual({ status: 'duplicate', id, fields: encodeMessage(draft) });
      expect(await probe.redis.xlen(k.stream)).toBe(1);
    });

    it('refuses a muted author with the time left, or null for a mute without end', async () => {
      await probe.redis.set(roomKeys.mute(ROOM, 'alice'), '{}', 'PX', 60_000);
      const timed = await append({ userId: 'alice', content: 'hi' });
      expect(timed).toEqual({ status: 'muted', mutedForMs: expect.any(Number) });
      expect(timed.status === 'muted' && timed.mutedForMs).toBeGreaterThan(0);
      await probe.redis.set(roomKeys.mute(ROOM, 'alice'), '{}');
      expect(await append({ userId: 'alice', content: 'hi' })).toEqual({ status: 'muted', mutedForMs: null });
      expect(await probe.redis.exists(k.stream)).toBe(0);
    });

    it('refuses a reply to a message the room does not hold', async () => {
      expect(await append({ userId: 'alice', content: 'hi', replyTo: '1-0' })).toEqual({ status: 'reply_target_missing' });
      expect(await probe.redis.exists(k.stream)).toBe(0);
    });

    it("adds a reply to its root's thread, and a trim takes a trimmed root's thread, a trimmed reply's place in its root's thread, its edit and counts", async () => {
      const root = await stored({ userId: 'alice', content: 'root' });
      const reply = await stored({ userId: 'bob', content: 'reply', replyTo: root });
      expect(await probe.redis.zrange(roomKeys.thread(ROOM, root), '0', '-1')).toEqual([reply]);
      await probe.redis.hset(k.counts, root, '{"👍":1}');
      await probe.redis.hset(k.edits, reply, '{"content":"x"}');
      const attachments = [{ id: 'a1', filename: 'f.txt', contentType: 'text/plain', size: 1 }];
      const third = await append({ userId: 'alice', content: 'file', attachments }, 3);
      expect(third.status).toBe('stored');

      const outcome = await append({ userId: 'carol', content: 'one too many' }, 1);
      expect(outcome).toEqual({
        status: 'stored',
        id: expect.any(String),
        trimmed: { ids: [root, reply, (third as { id: string }).id], withReactions: [root], attachments },
      });
      expect(await probe.redis.exists(roomKeys.thread(ROOM, root), k.edits, k.counts)).toBe(0);
      expect(await probe.redis.xlen(k.stream)).toBe(1);
    });
  });

  describe('read-messages.lua and read-replies.lua', () => {
    it("reads a page with each message's edit, counts and thread", async () => {
      const root = await stored({ userId: 'alice', content: 'root' });
      const reply = await stored({ userId: 'bob', content: 'reply', replyTo: root });
      await probe.redis.hset(k.edits, root, 'edit');
      await probe.redis.hset(k.counts, root, 'counts');
      const [entries, edits, reactions, replyCounts, lastReplyIds] = await read('XRANGE', '-', '+', 10);
      expect(entries.map(([id]) => id)).toEqual([root, reply]);
      expect({ edits, reactions, replyCounts, lastReplyIds }).toEqual({
        edits: ['edit', null],
        reactions: ['counts', null],
        replyCounts: [1, 0],
        lastReplyIds: [reply, null],
      });
      expect((await read('XREVRANGE', '+', '-', 1))[0].map(([id]) => id)).toEqual([reply]);
    });

    it("pages a root's replies oldest first after a reply, and answers undefined for a root the room does not hold", async () => {
      const root = await stored({ userId: 'alice', content: 'root' });
      const replies = [await stored({ userId: 'bob', content: '1', replyTo: root }), await stored({ userId: 'bob', content: '2', replyTo: root })];
      const page = (after: string) =>
        probe.run(roomScripts.readReplies, [k.stream, k.edits, k.counts, roomKeys.thread(ROOM, root)], [root, after, 10, roomKeys.threadPrefix(ROOM)], threads);
      expect((await page(''))?.[0].map(([id]) => id)).toEqual(replies);
      expect((await page(replies[0]))?.[0].map(([id]) => id)).toEqual([replies[1]]);
      expect(
        await probe.run(
          roomScripts.readReplies,
          [k.stream, k.edits, k.counts, roomKeys.thread(ROOM, '9-9')],
          ['9-9', '', 10, roomKeys.threadPrefix(ROOM)],
          threads,
        ),
      ).toBeUndefined();
    });
  });

  describe('edit-message.lua', () => {
    it('replaces the content for its author and hands back the previous edit', async () => {
      const id = await stored({ userId: 'alice', content: 'first' });
      expect(await edit(id, 'alice', 'second')).toEqual({
        status: 'edited',
        fields: encodeMessage({ userId: 'alice', content: 'first' }),
        reactions: null,
        replyCount: 0,
        lastReplyId: null,
        previousEdit: null,
      });
      const again = await edit(id, 'alice', 'third');
      expect(again.status === 'edited' && JSON.parse(again.previousEdit!)).toEqual({ content: 'second', editedAt: 1234, mentions: 'bob' });
    });

    it('refuses a message the room does not hold, another author, a muted author, changing nothing', async () => {
      const id = await stored({ userId: 'alice', content: 'first' });
      expect(await edit('9-9', 'alice')).toEqual({ status: 'not_found' });
      expect(await edit(id, 'bob')).toEqual({ status: 'not_author' });
      await probe.redis.set(roomKeys.mute(ROOM, 'alice'), '{}', 'PX', 60_000);
      expect(await edit(id, 'alice')).toEqual({ status: 'muted', mutedForMs: expect.any(Number) });
      expect(await probe.redis.exists(k.edits)).toBe(0);
    });
  });

  describe('delete-message.lua', () => {
    it("removes a reply with its edit, counts and who reacted, takes it out of its root's thread, and hands back its attachments", async () => {
      const root = await stored({ userId: 'alice', content: 'root' });
      const attachments = [{ id: 'a1', filename: 'f.txt', contentType: 'text/plain', size: 1 }];
      const reply = await stored({ userId: 'bob', content: 'reply', replyTo: root, attachments });
      await probe.redis.hset(k.counts, reply, '{"👍":1}');
      await probe.redis.hset(roomKeys.reactionsByUser(ROOM, reply), '👍\nalice', '1');
      expect(await remove(reply, 'bob')).toEqual({ status: 'deleted', attachments, isArchived: false });
      expect(await probe.redis.xlen(k.stream)).toBe(1);
      expect(await probe.redis.exists(roomKeys.thread(ROOM, root), roomKeys.reactionsByUser(ROOM, reply), k.counts)).toBe(0);
    });

    it("archives a held author's message, or any message of a held room, for export", async () => {
      const byAlice = await stored({ userId: 'alice', content: 'kept' });
      const byBob = await stored({ userId: 'bob', content: 'also kept' });
      expect(await remove(byAlice, 'alice', { heldUsers: ['carol', 'alice'] })).toMatchObject({ status: 'deleted', isArchived: true });
      expect(await remove(byBob, 'admin', { mayDeleteAny: true, isRoomHeld: true })).toMatchObject({ status: 'deleted', isArchived: true });
      expect(JSON.parse((await probe.redis.hget(k.held, byAlice))!)).toMatchObject({ deletedAt: 5678, deletedBy: 'alice' });
      expect(await probe.redis.hlen(k.held)).toBe(2);
    });

    it('refuses a message the room does not hold and a deleter who may not, changing nothing', async () => {
      const id = await stored({ userId: 'alice', content: 'mine' });
      expect(await remove('9-9', 'alice')).toEqual({ status: 'not_found' });
      expect(await remove(id, 'bob')).toEqual({ status: 'not_allowed' });
      expect(await probe.redis.xlen(k.stream)).toBe(1);
    });
  });

  describe('erase-messages.lua', () => {
    it("turns only the user's messages into tombstones, with who reacted to them, and hands back their attachments", async () => {
      const attachments = [{ id: 'a1', filename: 'f.txt', contentType: 'text/plain', size: 1 }];
      const root = await stored({ userId: 'bob', content: 'root' });
      const mine = await stored({ userId: 'alice', content: 'mine', replyTo: root, attachments });
      const theirs = await stored({ userId: 'bob', content: 'theirs' });
      await probe.redis.hset(roomKeys.reactionsByUser(ROOM, mine), '👍\nbob', '1');
      const ids = [mine, theirs, '9-9'];
      const result = await probe.run(
        roomScripts.erase,
        [k.stream, k.edits, k.counts, k.tombstones, ...ids.map((id) => roomKeys.reactionsByUser(ROOM, id))],
        ['alice', 42, ...ids],
      );
      expect(result).toEqual({ erased: [mine], attachments });
      expect(JSON.parse((await probe.redis.hget(k.tombstones, mine))!)).toEqual({ userId: 'alice', replyTo: root, erasedAt: 42 });
      expect((await probe.redis.xrange(k.stream, '-', '+')).map(([id]) => id)).toEqual([root, theirs]);
      expect(await probe.redis.exists(roomKeys.reactionsByUser(ROOM, mine))).toBe(0);
    });
  });

  describe('hold-room.lua', () => {
    it('holds a room up to the maximum, and a room already held always', async () => {
      const rooms = userRoomKeys('alice').rooms;
      expect(await probe.run(roomScripts.holdRoom, [rooms], ['a', 2])).toBe(true);
      expect(await probe.run(roomScripts.holdRoom, [rooms], ['b', 2])).toBe(true);
      expect(await probe.run(roomScripts.holdRoom, [rooms], ['c', 2])).toBe(false);
      expect(await probe.run(roomScripts.holdRoom, [rooms], ['a', 2])).toBe(true);
      expect((await probe.redis.smembers(rooms)).sort()).toEqual(['a', 'b']);
    });
  });
});
