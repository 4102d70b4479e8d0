import Redis from 'ioredis';
import { collect, connect, nextEvent, request, requestOk } from '../support/clients';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

describe('chat core across two nodes', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it("delivers a message to a member on the other node and to the sender's other device, not to the sending socket", async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice', name: 'Alice' }) });
    const aliceTablet = await connect(nodeB(), { token: makeToken({ sub: 'alice', name: 'Alice' }) });
    const bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
    for (const socket of [alice, aliceTablet, bob]) await requestOk(socket, 'room:join', { room });
    const echoes = collect(alice, 'message');

    const atBob = nextEvent(bob, 'message');
    const atTablet = nextEvent(aliceTablet, 'message');
    const stored = await requestOk(alice, 'message:send', { room, content: 'hello <b>world</b>' });

    expect(stored).toMatchObject({ room, userId: 'alice', name: 'Alice', content: 'hello <b>world</b>' });
    expect(stored.id).toMatch(/^\d+-\d+$/);
    expect(Math.abs(stored.createdAt - Date.now())).toBeLessThan(60_000);
    expect(await atBob).toEqual(stored);
    expect(await atTablet).toEqual(stored);
    // the ack left the node after any echo would have, on the same connection
    expect(echoes).toEqual([]);
  });

  it('delivers 100 rapid sends from one client in order on the other node', () => expectRapidSendsInOrder(nodeA(), nodeB(), 100));

  it('pages history backwards and forwards, oldest first', async () => {
    const room = uniqueRoom();
    const writer = await connect(nodeA(), { token: makeToken({ sub: 'writer' }) });
    await requestOk(writer, 'room:join', { room });
    const sent = [];
    for (let i = 0; i < 25; i++) sent.push(await requestOk(writer, 'message:send', { room, content: `h${i}` }));
    const reader = await connect(nodeB(), { token: makeToken({ sub: 'reader' }) });

    const latest = await requestOk(reader, 'message:history', { room, limit: 10 });
    expect(latest.messages.map((m: { content: string }) => m.content)).toEqual(sent.slice(15).map((m) => m.content));

    const older = await requestOk(reader, 'message:history', { room, before: latest.messages[0].id, limit: 10 });
    expect(older.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(5, 15).map((m) => m.id));

    const newer = await requestOk(reader, 'message:history', { room, after: sent[4].id, limit: 3 });
    expect(newer.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(5, 8).map((m) => m.id));

    const between = await requestOk(reader, 'message:history', { room, after: sent[9].id, before: sent[13].id });
    expect(between.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(10, 13).map((m) => m.id));

    const defaultPage = await requestOk(reader, 'message:history', { room });
    expect(defaultPage.messages).toHaveLength(25);
    expect((await requestOk(reader, 'message:history', { room, before: '0-0' })).messages).toEqual([]);
  });

  it('returns exactly the missed messages, in order, to a client rejoining with since', async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    await requestOk(alice, 'room:join', { room });
    let bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
    await requestOk(bob, 'room:join', { room });
    const seen = nextEvent(bob, 'message');
    await requestOk(alice, 'message:send', { room, content: 'before the tunnel' });
    const lastSeen = await seen;
    bob.close();

    const missed = [];
    for (let i = 0; i < 5; i++) missed.push(await requestOk(alice, 'message:send', { room, content: `missed ${i}` }));

    bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
    const rejoin = await requestOk(bob, 'room:join', { room, since: lastSeen.id });
    expect(rejoin.room).toBe(room);
    expect(rejoin.messages).toEqual(missed);
    expect(rejoin.complete).toBe(true);

    const fresh = await requestOk(bob, 'room:join', { room });
    expect(fresh.messages.map((m: { content: string }) => m.content)).toEqual(['before the tunnel', ...missed.map((m) => m.content)]);
  });

  it('stores a retried send with the same clientMsgId once and answers with the stored message', async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    await requestOk(alice, 'room:join', { room });
    const first = await requestOk(alice, 'message:send', { room, content: 'only once', clientMsgId: 'c-1' });
    const retryOnOtherNode = await connect(nodeB(), { token: makeToken({ sub: 'alice' }) });
    await requestOk(retryOnOtherNode, 'room:join', { room });
    const retry = await requestOk(retryOnOtherNode, 'message:send', { room, content: 'only once', clientMsgId: 'c-1' });

    expect(retry).toEqual(first);
    expect(first.clientMsgId).toBe('c-1');
    const history = await requestOk(alice, 'message:history', { room });
    expect(history.messages).toHaveLength(1);

    const otherUserSameKey = await connect(nodeA(), { token: makeToken({ sub: 'bob' }) });
    await requestOk(otherUserSameKey, 'room:join', { room });
    const bobs = await requestOk(otherUserSameKey, 'message:send', { room, content: 'mine', clientMsgId: 'c-1' });
    expect(bobs.id).not.toBe(first.id);
  });

  it('threads a reply to a stored message and refuses a reply to a missing one', async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    await requestOk(alice, 'room:join', { room });
    const parent = await requestOk(alice, 'message:send', { room, content: 'question' });
    const reply = await requestOk(alice, 'message:send', { room, content: 'answer', replyTo: parent.id });
    expect(reply.replyTo).toBe(parent.id);
    const missing = await request(alice, 'message:send', { room, content: 'answer', replyTo: '1-0' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('answers not_joined to a send into a room the socket has not joined, or has left', async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    const refused = await request(alice, 'message:send', { room, content: 'hi' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_joined' } });

    await requestOk(alice, 'room:join', { room });
    expect(await requestOk(alice, 'room:leave', { room })).toEqual({ room });
    expect(await request(alice, 'message:send', { room, content: 'hi' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    expect((await requestOk(alice, 'message:history', { room })).messages).toEqual([]);
  });

  it('answers payload_too_large for content over MESSAGE_MAX_LENGTH and stores nothing', async () => {
    const room = uniqueRoom();
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    await requestOk(alice, 'room:join', { room });
    const ack = await request(alice, 'message:send', { room, content: 'x'.repeat(4001) });
    expect(ack).toMatchObject({ ok: false, error: { code: 'payload_too_large', details: { limit: 4000 } } });
    expect(await requestOk(alice, 'message:send', { room, content: '😀'.repeat(4000) })).toMatchObject({ room });
    expect((await requestOk(alice, 'message:history', { room })).messages).toHaveLength(1);
  });

  describe('malformed payloads are answered validation_failed and change nothing', () => {
    const room = 'malformed';
    const cases: [string, unknown][] = [
      ['room:join', undefined],
      ['room:join', null],
      ['room:join', 'general'],
      ['room:join', 42],
      ['room:join', ['general']],
      ['room:join', {}],
      ['room:join', { room: '' }],
      ['room:join', { room: 'a'.repeat(129) }],
      ['room:join', { room: 'has space' }],
      ['room:join', { room: 'emoji😀' }],
      ['room:join', { room: 7 }],
      ['room:join', { room, since: 'yesterday' }],
      ['room:join', { room, extra: true }],
      ['room:join', JSON.parse('{"room":"malformed","__proto__":{"admin":true}}')],
      ['message:send', { room }],
      ['message:send', { room, content: '' }],
      ['message:send', { room, content: 5 }],
      ['message:send', { room, content: { text: 'hi' } }],
      ['message:send', { room, content: 'hi', clientMsgId: '' }],
      ['message:send', { room, content: 'hi', clientMsgId: 'x'.repeat(129) }],
      ['message:send', { room, content: 'hi', replyTo: 'abc' }],
      ['message:history', { room, limit: 0 }],
      ['message:history', { room, limit: 101 }],
      ['message:history', { room, limit: '10' }],
      ['message:history', { room, limit: 1.5 }],
      ['message:history', { room, before: '1-0-0' }],
      ['room:leave', {}],
    ];

    it.each(cases)('%s %j', async (event, payload) => {
      const socket = await connect(nodeA(), { token: makeToken({ sub: 'fuzzer' }) });
      await requestOk(socket, 'room:join', { room });
      const ack = payload === undefined ? await request(socket, event) : await request(socket, event, payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed', message: expect.any(String) } });
      expect((await requestOk(socket, 'message:history', { room })).messages).toEqual([]);
      expect(socket.connected).toBe(true);
      socket.close();
    });
  });
});

function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

describe('edits and deletes across two nodes', () => {
  const cluster = useCluster(2);

  it('lets the author edit: the room hears message:edited and history serves the new content', async () => {
    const room = uniqueRoom();
    const alice = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'bob' }) });
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    const original = await requestOk(alice, 'message:send', { room, content: 'teh typo' });

    const seen = nextEvent(bob, 'message:edited');
    const edited = await requestOk(alice, 'message:edit', { room, messageId: original.id, content: 'the typo' });
    expect(edited).toMatchObject({ id: original.id, content: 'the typo', userId: 'alice', editedAt: expect.any(Number) });
    expect(await seen).toEqual(edited);
    expect((await requestOk(bob, 'message:history', { room })).messages).toEqual([edited]);

    expect(await request(bob, 'message:edit', { room, messageId: original.id, content: 'hijack' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(bob, 'message:edit', { room, messageId: '1-1', content: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('lets the author or an admin delete: the room hears message:deleted and history drops it', async () => {
    const room = uniqueRoom();
    const alice = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'bob' }) });
    const admin = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'root', roles: ['admin'] }) });
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    const first = await requestOk(alice, 'message:send', { room, content: 'one' });
    const second = await requestOk(alice, 'message:send', { room, content: 'two' });

    expect(await request(bob, 'message:delete', { room, messageId: first.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const seenByBob = nextEvent(bob, 'message:deleted');
    expect(await requestOk(alice, 'message:delete', { room, messageId: first.id })).toEqual({ room, messageId: first.id });
    expect(await seenByBob).toEqual({ room, messageId: first.id, by: 'alice' });

    const seenAgain = nextEvent(bob, 'message:deleted');
    await requestOk(admin, 'message:delete', { room, messageId: second.id });
    expect(await seenAgain).toEqual({ room, messageId: second.id, by: 'root' });
    expect((await requestOk(bob, 'message:history', { room })).messages).toEqual([]);
    expect(await request(alice, 'message:delete', { room, messageId: first.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('lets an admin delete a message in a DM room it may not join', async () => {
    const alice = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'bob' }) });
    const admin = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'root', roles: ['admin'] }) });
    const dm = await requestOk(alice, 'dm:send', { to: 'bob', content: 'report me' });
    expect(await request(admin, 'room:join', { room: dm.room })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const seen = nextEvent(bob, 'message:deleted');
    expect(await requestOk(admin, 'message:delete', { room: dm.room, messageId: dm.id })).toEqual({ room: dm.room, messageId: dm.id });
    expect(await seen).toEqual({ room: dm.room, messageId: dm.id, by: 'root' });
  });
});

describe('a full room (HISTORY_MAX_PER_ROOM)', () => {
  const cluster = useCluster(1, { HISTORY_MAX_PER_ROOM: '3' });

  it('trims the oldest message together with its edit and its reactions, so that a busy room stays bounded in Redis', async () => {
    const room = uniqueRoom('full');
    const alice = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'bob' }) });
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    const oldest = await requestOk(alice, 'message:send', { room, content: 'first' });
    await requestOk(alice, 'message:edit', { room, messageId: oldest.id, content: 'first, edited' });
    await requestOk(bob, 'reaction:add', { room, messageId: oldest.id, emoji: '👍' });
    const kept = [];
    for (const content of ['second', 'third', 'fourth']) kept.push(await requestOk(alice, 'message:send', { room, content }));

    // read through the same node: its commands are carried out in order, the clean-up included
    expect((await requestOk(alice, 'message:history', { room })).messages.map((m: { id: string }) => m.id)).toEqual(kept.map((m) => m.id));
    const redis = new Redis(cluster.redis.url);
    try {
      expect(await redis.hexists(`chat:{${room}}:edits`, oldest.id)).toBe(0);
      expect(await redis.hexists(`chat:{${room}}:reaction-counts`, oldest.id)).toBe(0);
      expect(await redis.keys(`chat:{${room}}:reactions:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

/**
 * A node spends a user's event budget in slices of a twentieth of the limit taken from Redis; events that arrive
 * while a slice is on its way wait for it, and those it does not cover wait for the next one. With a limit of 110
 * a slice holds 5 events, so 100 rapid sends cross some twenty slice boundaries; sent each in its own turn, they keep
 * arriving while earlier ones wait for a slice: every way an event could overtake one that waited.
 */
describe("send order across the event budget's slice boundaries", () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '110' });

  it('delivers 100 rapid sends from one client in order on the other node, for each of three senders', async () => {
    // each sender has a budget of its own; the unfixed budget reordered about two runs in three
    for (const senderId of ['spread-1', 'spread-2', 'spread-3']) {
      await expectRapidSendsInOrder(cluster.nodes[0].url, cluster.nodes[1].url, 100, { senderId, spread: true });
    }
  });
});

/** `spread`: each send in a turn of its own, so that sends keep arriving while the node waits for a slice. */
async function expectRapidSendsInOrder(senderNode: string, readerNode: string, count: number, { senderId = 'fast', spread = false } = {}): Promise<void> {
  const room = uniqueRoom();
  const sender = await connect(senderNode, { token: makeToken({ sub: senderId }) });
  const reader = await connect(readerNode, { token: makeToken({ sub: 'reader' }) });
  await requestOk(sender, 'room:join', { room });
  await requestOk(reader, 'room:join', { room });
  const received = collect<{ content: string; id: string }>(reader, 'message');
  const last = nextEvent(reader, 'message', (message: { content: string }) => message.content === `m${count - 1}`);

  const pendingAcks = [];
  for (let i = 0; i < count; i++) {
    pendingAcks.push(request(sender, 'message:send', { room, content: `m${i}` }));
    if (spread) await new Promise(setImmediate);
  }
  const acks = await Promise.all(pendingAcks);
  await last;

  expect(acks.every((ack) => ack.ok)).toBe(true);
  expect(received.map((message) => message.content)).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
  const ids = received.map((message) => message.id);
  expect([...ids].sort(compareIds)).toEqual(ids);
  const history = await requestOk(reader, 'message:history', { room, limit: count });
  expect(history.messages.map((message: { content: string }) => message.content)).toEqual(received.map((message) => message.content));
}
