import Redis from 'ioredis';
import { collect, connect, nextEvent, request, requestOk, roundTrip } from '../support/clients';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/**
 * The coalescing interval is half of it, capped at 2 s: ten keystroke round trips fit in it on a quiet machine,
 * so that the coalescing test sees one relay; a loaded one may see one more per interval they took.
 */
const TYPING_TIMEOUT_MS = 4000;
const RELAY_INTERVAL_MS = 2000;

type TypingEvent = { room: string; userId: string; isTyping: boolean };
type ReactionEvent = { room: string; messageId: string; emoji: string; userId: string; action: 'add' | 'remove'; reactions: Record<string, number> };

describe('social features across two nodes', () => {
  const cluster = useCluster(2, { TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  async function joined(url: string, sub: string, room: string, claims: { rooms?: string[]; roles?: string[] } = {}) {
    const socket = await connect(url, { token: makeToken({ sub, ...claims }) });
    await requestOk(socket, 'room:join', { room });
    return socket;
  }

  describe('typing', () => {
    it("relays to the other members on every node, never to the typist's own devices, and coalesces keystrokes", async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const aliceTablet = await joined(nodeB(), 'alice', room);
      const bob = await joined(nodeB(), 'bob', room);
      const atBob = collect<TypingEvent>(bob, 'typing');
      const atTablet = collect<TypingEvent>(aliceTablet, 'typing');

      const started = nextEvent<TypingEvent>(bob, 'typing');
      const firstKeystrokeAt = Date.now();
      for (let i = 0; i < 10; i++) expect(await requestOk(alice, 'typing', { room, isTyping: true })).toEqual({});
      const keystrokesMs = Date.now() - firstKeystrokeAt;
      expect(await started).toEqual({ room, userId: 'alice', isTyping: true });

      const stopped = nextEvent<TypingEvent>(bob, 'typing', (event) => !event.isTyping);
      await requestOk(alice, 'typing', { room, isTyping: false });
      expect(await stopped).toEqual({ room, userId: 'alice', isTyping: false });
      // the stop left alice's node after every relay of the keystrokes before it: the first keystroke is relayed,
      // then at most one renewal per relay interval the ten keystrokes spanned (none when they took less than one)
      const relayed = atBob.map((event) => event.isTyping);
      expect(relayed.at(-1)).toBe(false);
      expect(relayed.slice(0, -1)).toEqual(Array(relayed.length - 1).fill(true));
      expect(relayed.length - 1).toBeGreaterThanOrEqual(1);
      expect(relayed.length - 1).toBeLessThanOrEqual(1 + Math.floor(keystrokesMs / RELAY_INTERVAL_MS));
      await roundTrip(aliceTablet);
      expect(atTablet).toEqual([]);
    });

    it('ends by itself a while after the last isTyping: true', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const bob = await joined(nodeB(), 'bob', room);
      const started = nextEvent<TypingEvent>(bob, 'typing');
      // taken before the send: the node starts its expiry timer somewhere between this and the ack
      const sentAt = Date.now();
      await requestOk(alice, 'typing', { room, isTyping: true });
      await started;
      expect(await nextEvent<TypingEvent>(bob, 'typing', () => true, TYPING_TIMEOUT_MS + 5000)).toEqual({ room, userId: 'alice', isTyping: false });
      // less a few milliseconds: the node times with a monotonic clock, this test with the wall clock, both rounded to the millisecond
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 5);
    });

    it('ends when the typist leaves the room', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const bob = await joined(nodeB(), 'bob', room);
      const started = nextEvent<TypingEvent>(bob, 'typing');
      await requestOk(alice, 'typing', { room, isTyping: true });
      await started;
      const stopped = nextEvent<TypingEvent>(bob, 'typing');
      await requestOk(alice, 'room:leave', { room });
      expect(await stopped).toEqual({ room, userId: 'alice', isTyping: false });
    });

    it('needs the room joined and a boolean', async () => {
      const room = uniqueRoom();
      const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
      expect(await request(alice, 'typing', { room, isTyping: true })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
      await requestOk(alice, 'room:join', { room });
      expect(await request(alice, 'typing', { room, isTyping: 'yes' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await request(alice, 'typing', { room })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    });
  });

  describe('reactions', () => {
    it('counts one reaction per user per emoji, from two users on two nodes, and serves the counts with messages', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const bob = await joined(nodeB(), 'bob', room);
      const message = await requestOk(alice, 'message:send', { room, content: 'ship it?' });

      const atBob = nextEvent<ReactionEvent>(bob, 'reaction');
      expect(await requestOk(alice, 'reaction:add', { room, messageId: message.id, emoji: '👍' })).toEqual({ messageId: message.id, reactions: { '👍': 1 } });
      expect(await atBob).toEqual({ room, messageId: message.id, emoji: '👍', userId: 'alice', action: 'add', reactions: { '👍': 1 } });

      const atAlice = nextEvent<ReactionEvent>(alice, 'reaction');
      expect((await requestOk(bob, 'reaction:add', { room, messageId: message.id, emoji: '👍' })).reactions).toEqual({ '👍': 2 });
      expect((await atAlice).reactions).toEqual({ '👍': 2 });

      const heardByBob = collect<ReactionEvent>(bob, 'reaction');
      expect((await requestOk(alice, 'reaction:add', { room, messageId: message.id, emoji: '👍' })).reactions).toEqual({ '👍': 2 });
      const party = nextEvent<ReactionEvent>(bob, 'reaction');
      expect((await requestOk(alice, 'reaction:add', { room, messageId: message.id, emoji: '👨‍👩‍👧‍👦' })).reactions).toEqual({ '👍': 2, '👨‍👩‍👧‍👦': 1 });
      await party;
      // the repeated add was answered but not announced: only the new emoji reached bob
      expect(heardByBob.map((event) => event.emoji)).toEqual(['👨‍👩‍👧‍👦']);

      const history = await requestOk(bob, 'message:history', { room });
      expect(history.messages[0].reactions).toEqual({ '👍': 2, '👨‍👩‍👧‍👦': 1 });
      const late = await connect(nodeB(), { token: makeToken({ sub: 'carol' }) });
      expect((await requestOk(late, 'room:join', { room })).messages[0].reactions).toEqual({ '👍': 2, '👨‍👩‍👧‍👦': 1 });

      const removed = nextEvent<ReactionEvent>(alice, 'reaction');
      expect((await requestOk(bob, 'reaction:remove', { room, messageId: message.id, emoji: '👍' })).reactions).toEqual({ '👍': 1, '👨‍👩‍👧‍👦': 1 });
      expect(await removed).toMatchObject({ userId: 'bob', action: 'remove', reactions: { '👍': 1, '👨‍👩‍👧‍👦': 1 } });
      expect((await requestOk(bob, 'reaction:remove', { room, messageId: message.id, emoji: '👍' })).reactions).toEqual({ '👍': 1, '👨‍👩‍👧‍👦': 1 });
      await requestOk(alice, 'reaction:remove', { room, messageId: message.id, emoji: '👍' });
      await requestOk(alice, 'reaction:remove', { room, messageId: message.id, emoji: '👨‍👩‍👧‍👦' });
      const bare = (await requestOk(bob, 'message:history', { room })).messages[0];
      expect(bare.reactions).toBeUndefined();
    });

    it('keeps reactions through an edit and removes them with the message', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const message = await requestOk(alice, 'message:send', { room, content: 'draft' });
      await requestOk(alice, 'reaction:add', { room, messageId: message.id, emoji: ':tada:' });
      expect((await requestOk(alice, 'message:edit', { room, messageId: message.id, content: 'final' })).reactions).toEqual({ ':tada:': 1 });

      await requestOk(alice, 'message:delete', { room, messageId: message.id });
      expect(await request(alice, 'reaction:add', { room, messageId: message.id, emoji: ':tada:' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const redis = new Redis(cluster.redis.url);
      try {
        expect(await redis.keys(`chat:{${room}}:reaction*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    });

    it('refuses an unknown message, a room not joined, a malformed emoji and one emoji too many', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const message = await requestOk(alice, 'message:send', { room, content: 'react to me' });
      expect(await request(alice, 'reaction:add', { room, messageId: '1-0', emoji: '👍' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const outsider = await connect(nodeB(), { token: makeToken({ sub: 'outsider' }) });
      expect(await request(outsider, 'reaction:add', { room, messageId: message.id, emoji: '👍' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
      for (const emoji of ['', 'thumbs up', 'x'.repeat(33), 'a\u0000b', 5]) {
        expect(await request(alice, 'reaction:add', { room, messageId: message.id, emoji })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      }

      for (let i = 0; i < 20; i++) await requestOk(alice, 'reaction:add', { room, messageId: message.id, emoji: `:e${i}:` });
      const tooMany = await request(alice, 'reaction:add', { room, messageId: message.id, emoji: ':one-more:' });
      expect(tooMany).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { limit: 20 } } });
      const bob = await joined(nodeB(), 'bob', room);
      expect((await requestOk(bob, 'reaction:add', { room, messageId: message.id, emoji: ':e0:' })).reactions[':e0:']).toBe(2);
      expect(Object.keys((await requestOk(bob, 'message:history', { room })).messages[0].reactions)).toHaveLength(20);
    });
  });

  describe('read receipts', () => {
    it('stores the last-read message, announces it, and reports read state and unread count on join', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const sent = [];
      for (let i = 0; i < 3; i++) sent.push(await requestOk(alice, 'message:send', { room, content: `m${i}` }));

      const bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
      const firstJoin = await requestOk(bob, 'room:join', { room });
      expect(firstJoin).toMatchObject({ lastReadId: null, unreadCount: 3 });
      const bobPhone = await connect(nodeA(), { token: makeToken({ sub: 'bob' }) });

      const atAlice = nextEvent(alice, 'receipt');
      const atBobPhone = nextEvent(bobPhone, 'receipt');
      expect(await requestOk(bob, 'receipt:read', { room, messageId: sent[1].id })).toEqual({});
      expect(await atAlice).toEqual({ room, userId: 'bob', messageId: sent[1].id });
      expect(await atBobPhone).toEqual({ room, userId: 'bob', messageId: sent[1].id });

      await requestOk(bob, 'message:send', { room, content: 'my own message is not unread' });
      expect(await requestOk(bobPhone, 'room:join', { room })).toMatchObject({ lastReadId: sent[1].id, unreadCount: 1 });

      const heardByAlice = collect(alice, 'receipt');
      await requestOk(bob, 'receipt:read', { room, messageId: sent[0].id });
      const forward = nextEvent(alice, 'receipt');
      await requestOk(bob, 'receipt:read', { room, messageId: sent[2].id });
      await forward;
      // going back is acknowledged and ignored: only the forward move was announced
      expect(heardByAlice).toEqual([{ room, userId: 'bob', messageId: sent[2].id }]);
      expect(await requestOk(bobPhone, 'room:join', { room })).toMatchObject({ lastReadId: sent[2].id, unreadCount: 0 });
    });

    it('refuses an unknown message and a room not joined', async () => {
      const room = uniqueRoom();
      const alice = await joined(nodeA(), 'alice', room);
      const message = await requestOk(alice, 'message:send', { room, content: 'x' });
      expect(await request(alice, 'receipt:read', { room, messageId: '1-0' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
      expect(await request(bob, 'receipt:read', { room, messageId: message.id })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
      expect(await request(alice, 'receipt:read', { room, messageId: 'latest' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    });
  });

  describe('direct messages', () => {
    it('reaches every connection of both users on every node without a join, except the sending socket', async () => {
      const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice', name: 'Alice' }) });
      const aliceTablet = await connect(nodeB(), { token: makeToken({ sub: 'alice' }) });
      const bobPhone = await connect(nodeA(), { token: makeToken({ sub: 'bob' }) });
      const bobLaptop = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
      const echoes = collect(alice, 'message');

      const arrivals = [aliceTablet, bobPhone, bobLaptop].map((socket) => nextEvent(socket, 'message'));
      const stored = await requestOk(alice, 'dm:send', { to: 'bob', content: 'psst', clientMsgId: 'dm-1' });
      expect(stored).toMatchObject({ room: 'dm:alice:bob', userId: 'alice', name: 'Alice', content: 'psst', clientMsgId: 'dm-1' });
      for (const arrival of arrivals) expect(await arrival).toEqual(stored);

      const heardByBob = collect(bobLaptop, 'message');
      expect(await requestOk(alice, 'dm:send', { to: 'bob', content: 'psst', clientMsgId: 'dm-1' })).toEqual(stored);
      const reply = nextEvent(alice, 'message');
      const atLaptop = nextEvent(bobLaptop, 'message');
      const answer = await requestOk(bobPhone, 'dm:send', { to: 'alice', content: 'hi' });
      expect(answer.room).toBe('dm:alice:bob');
      expect(await reply).toEqual(answer);
      await atLaptop;
      // the retry was stored once and not delivered again: bob's laptop saw only his own answer after it
      expect(heardByBob).toEqual([answer]);
      expect(echoes).toEqual([answer]);

      expect((await requestOk(bobLaptop, 'message:history', { room: 'dm:alice:bob' })).messages).toEqual([stored, answer]);
      expect((await requestOk(bobLaptop, 'room:join', { room: 'dm:alice:bob' })).messages).toEqual([stored, answer]);
    });

    it("delivers message:send in a DM room to the other user's connections that did not join it", async () => {
      const bob = await connect(nodeA(), { token: makeToken({ sub: 'bob' }) });
      await requestOk(bob, 'room:join', { room: 'dm:bob:erin' });
      const erin = await connect(nodeB(), { token: makeToken({ sub: 'erin' }) });
      const arrival = nextEvent(erin, 'message');
      const stored = await requestOk(bob, 'message:send', { room: 'dm:bob:erin', content: 'in the room' });
      expect(await arrival).toEqual(stored);
    });

    it('keeps a third user out of the DM room and its history, admins included', async () => {
      await requestOk(await connect(nodeA(), { token: makeToken({ sub: 'alice' }) }), 'dm:send', { to: 'bob', content: 'private' });
      for (const claims of [{ sub: 'mallory' }, { sub: 'root', roles: ['admin'] }]) {
        const third = await connect(nodeB(), { token: makeToken(claims) });
        expect(await request(third, 'room:join', { room: 'dm:alice:bob' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        expect(await request(third, 'message:history', { room: 'dm:alice:bob' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        expect(await request(third, 'presence:list', { room: 'dm:alice:bob' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    });

    it('refuses a recipient id that cannot form a DM room name', async () => {
      const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
      for (const to of ['has space', 'b:c', 'x'.repeat(126), '']) {
        const ack = await request(alice, 'dm:send', { to, content: 'hi' });
        expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed', message: expect.any(String) } });
      }
      expect(await request(alice, 'dm:send', { to: 'bob', content: '' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await request(alice, 'dm:send', { to: 'bob', content: 'x'.repeat(4001) })).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
      const colonUser = await connect(nodeA(), { token: makeToken({ sub: 'a:b' }) });
      expect(await request(colonUser, 'dm:send', { to: 'c', content: 'hi' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await request(colonUser, 'room:join', { room: 'dm:a:b:c' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });
  });

  describe('room grants', () => {
    it('limits joins and history to the rooms and prefix* patterns of the token', async () => {
      const general = uniqueRoom('general');
      const team = uniqueRoom('team');
      const other = uniqueRoom('other');
      const writer = await joined(nodeA(), 'writer', other);
      await requestOk(writer, 'message:send', { room: other, content: 'not for everyone' });

      const limited = await connect(nodeB(), { token: makeToken({ sub: 'limited', rooms: [general, 'team-*'] }) });
      expect((await requestOk(limited, 'room:join', { room: general })).room).toBe(general);
      expect((await requestOk(limited, 'room:join', { room: team })).room).toBe(team);
      expect(await request(limited, 'room:join', { room: other })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await request(limited, 'room:join', { room: `${general}x` })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await request(limited, 'room:join', { room: 'team' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await request(limited, 'message:history', { room: other })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await request(limited, 'message:send', { room: other, content: 'sneak' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
      expect((await requestOk(limited, 'message:history', { room: team })).messages).toEqual([]);

      const admin = await connect(nodeB(), { token: makeToken({ sub: 'root', roles: ['admin'], rooms: [general] }) });
      expect((await requestOk(admin, 'message:history', { room: other })).messages).toHaveLength(1);
    });
  });
});
