import { inboxScripts } from '../../src/offline/inbox.scripts';
import { reactionScripts } from '../../src/reactions/reaction.scripts';
import { receiptScripts } from '../../src/receipts/receipt.scripts';
import { roomKeys } from '../../src/rooms/keys';
import { encodeMessage } from '../../src/rooms/message.codec';
import { useScriptProbe } from '../support/script-probe';

const ROOM = 'lobby';

describe('reaction, read-marker and inbox scripts on a real redis-server', () => {
  const probe = useScriptProbe([reactionScripts, receiptScripts, inboxScripts]);
  const stream = roomKeys.messages(ROOM);
  const post = (id: string, userId: string) => probe.redis.xadd(stream, id, ...encodeMessage({ userId, content: `from ${userId}` }));

  describe('react.lua', () => {
    const react = (action: 'add' | 'remove', messageId: string, emoji: string, userId: string, maxEmoji = 2) =>
      probe.run(
        reactionScripts.react,
        [stream, roomKeys.reactionCounts(ROOM), roomKeys.reactionsByUser(ROOM, messageId)],
        [action, messageId, emoji, userId, maxEmoji],
      );

    it('counts each user once per emoji, and a remove takes the count back', async () => {
      await post('1-0', 'alice');
      expect(await react('add', '1-0', '👍', 'bob')).toEqual({ status: 'changed', reactions: { '👍': 1 } });
      expect(await react('add', '1-0', '👍', 'bob')).toEqual({ status: 'unchanged', reactions: { '👍': 1 } });
      expect(await react('add', '1-0', '👍', 'carol')).toEqual({ status: 'changed', reactions: { '👍': 2 } });
      expect(await react('remove', '1-0', '👍', 'bob')).toEqual({ status: 'changed', reactions: { '👍': 1 } });
      expect(await react('remove', '1-0', '👍', 'bob')).toEqual({ status: 'unchanged', reactions: { '👍': 1 } });
      expect(await react('remove', '1-0', '👍', 'carol')).toEqual({ status: 'changed', reactions: {} });
      expect(await probe.redis.exists(roomKeys.reactionCounts(ROOM), roomKeys.reactionsByUser(ROOM, '1-0'))).toBe(0);
    });

    it('refuses a message the room does not hold, and one emoji more than a message may carry, changing nothing', async () => {
      await post('1-0', 'alice');
      expect(await react('add', '2-0', '👍', 'bob')).toEqual({ status: 'not_found' });
      await react('add', '1-0', 'a', 'bob');
      await react('add', '1-0', 'b', 'bob');
      expect(await react('add', '1-0', 'c', 'bob')).toEqual({ status: 'too_many_emoji' });
      expect(await react('add', '1-0', 'a', 'carol')).toEqual({ status: 'changed', reactions: { a: 2, b: 1 } });
      expect(await probe.redis.hlen(roomKeys.reactionsByUser(ROOM, '1-0'))).toBe(3);
    });
  });

  describe('mark-read.lua and read-state.lua', () => {
    const markRead = (userId: string, messageId: string) => probe.run(receiptScripts.markRead, [roomKeys.lastRead(ROOM), stream], [userId, messageId]);
    const readState = (userId: string, cap = 10) => probe.run(receiptScripts.readState, [roomKeys.lastRead(ROOM), stream], [userId, cap]);

    it('moves the marker forward only, and counts messages by others after it, up to the cap', async () => {
      for (const [id, author] of [
        ['1-0', 'bob'],
        ['2-0', 'alice'],
        ['2-1', 'bob'],
        ['10-0', 'bob'],
      ])
        await post(id, author);
      expect(await readState('alice')).toEqual({ lastReadId: null, unreadCount: 3 });
      expect(await readState('alice', 3)).toEqual({ lastReadId: null, unreadCount: 2 });
      expect(await markRead('alice', '2-1')).toBe('moved');
      expect(await markRead('alice', '2-0')).toBe('unchanged');
      expect(await markRead('alice', '2-1')).toBe('unchanged');
      expect(await readState('alice')).toEqual({ lastReadId: '2-1', unreadCount: 1 });
      expect(await markRead('alice', '10-0')).toBe('moved');
      expect(await readState('alice')).toEqual({ lastReadId: '10-0', unreadCount: 0 });
    });

    it('refuses a message the room does not hold', async () => {
      await post('1-0', 'bob');
      expect(await markRead('alice', '3-0')).toBe('not_found');
      expect(await probe.redis.exists(roomKeys.lastRead(ROOM))).toBe(0);
    });
  });

  describe('inbox-entry.lua', () => {
    const line = (userId: string) =>
      probe.run(inboxScripts.inboxEntry, [roomKeys.lastRead(ROOM), stream, roomKeys.edits(ROOM), roomKeys.reactionCounts(ROOM)], [userId, 10]);

    it('answers the marker, the unread count and the newest message with its edit and counts', async () => {
      await post('1-0', 'bob');
      await post('2-0', 'bob');
      await probe.redis.hset(roomKeys.lastRead(ROOM), 'alice', '1-0');
      await probe.redis.hset(roomKeys.edits(ROOM), '2-0', 'edit');
      await probe.redis.hset(roomKeys.reactionCounts(ROOM), '2-0', 'counts');
      expect(await line('alice')).toEqual({
        lastReadId: '1-0',
        unreadCount: 1,
        newest: { entry: ['2-0', encodeMessage({ userId: 'bob', content: 'from bob' })], edit: 'edit', reactions: 'counts' },
      });
    });

    it('answers an empty room without a newest message', async () => {
      expect(await line('alice')).toEqual({ lastReadId: null, unreadCount: 0, newest: null });
    });
  });
});
