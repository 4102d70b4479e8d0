import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { collect, connect, nextEvent, request, requestOk, roundTrip } from '../support/clients';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

type InboxRoom = { room: string; unreadCount: number; lastMessage: { id: string; content: string; userId: string } | null; lastReadId: string | null };
type Mention = { room: string; message: { id: string; content: string; mentions?: string[] } };

const MAX_ROOMS = 500;
/** Joining 500 rooms twice over and reading the inbox: more than jest's default on a shared machine. */
const LARGE_INBOX_TIMEOUT_MS = 120_000;

/** A user's rooms, inbox and mentions, across reconnects and two nodes on one real Redis. */
describe('offline delivery: inbox and mentions', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0', MAX_ROOMS_PER_USER: String(MAX_ROOMS) });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  const user = (url: string, sub: string, claims: { rooms?: string[] } = {}) => connect(url, { token: makeToken({ sub, ...claims }) });
  const inbox = async (socket: Socket) => (await requestOk<{ rooms: InboxRoom[] }>(socket, 'inbox:list', {})).rooms;
  const say = (socket: Socket, room: string, content: string) => requestOk<{ id: string; mentions?: string[] }>(socket, 'message:send', { room, content });

  it("keeps a user's rooms and unread counts across reconnects and nodes, after receipts and after leaving", async () => {
    const [quiet, busy] = [uniqueRoom('quiet'), uniqueRoom('busy')];
    const olivia = await user(nodeA(), 'olivia');
    await requestOk(olivia, 'room:join', { room: quiet });
    await requestOk(olivia, 'room:join', { room: busy });
    await say(olivia, busy, 'my own message does not count');
    olivia.close();

    const bob = await user(nodeB(), 'bob');
    await requestOk(bob, 'room:join', { room: busy });
    await requestOk(bob, 'room:join', { room: quiet });
    const first = await say(bob, busy, 'one');
    await say(bob, busy, 'two');
    await say(bob, quiet, 'hello quiet');
    const last = await say(bob, busy, 'three');

    const oliviaOnB = await user(nodeB(), 'olivia');
    const rooms = await inbox(oliviaOnB);
    expect(rooms.map(({ room, unreadCount, lastReadId }) => ({ room, unreadCount, lastReadId }))).toEqual([
      { room: busy, unreadCount: 3, lastReadId: null },
      { room: quiet, unreadCount: 1, lastReadId: null },
    ]);
    expect(rooms[0].lastMessage).toMatchObject({ id: last.id, content: 'three', userId: 'bob' });

    await requestOk(oliviaOnB, 'room:join', { room: busy });
    await requestOk(oliviaOnB, 'receipt:read', { room: busy, messageId: first.id });
    expect((await inbox(oliviaOnB)).find((entry) => entry.room === busy)).toMatchObject({ unreadCount: 2, lastReadId: first.id });

    await requestOk(oliviaOnB, 'room:leave', { room: quiet });
    oliviaOnB.close();
    const oliviaBackOnA = await user(nodeA(), 'olivia');
    expect((await inbox(oliviaBackOnA)).map((entry) => [entry.room, entry.unreadCount])).toEqual([[busy, 2]]);
  });

  it('shows DMs received while offline in the inbox of both users', async () => {
    const nina = await user(nodeA(), 'nina');
    nina.close();
    const sam = await user(nodeB(), 'sam');
    await requestOk(sam, 'dm:send', { to: 'nina', content: 'are you there?' });
    const latest = await requestOk<{ id: string; room: string }>(sam, 'dm:send', { to: 'nina', content: 'call me' });

    const ninaBack = await user(nodeA(), 'nina');
    expect(await inbox(ninaBack)).toEqual([
      { room: 'dm:nina:sam', unreadCount: 2, lastReadId: null, lastMessage: expect.objectContaining({ id: latest.id, content: 'call me' }) },
    ]);
    expect(await inbox(sam)).toEqual([expect.objectContaining({ room: 'dm:nina:sam', unreadCount: 0 })]);
  });

  it('sends mention to every connection of mentioned users who may read the room, joined or not, and to no one else', async () => {
    const room = uniqueRoom('team');
    const author = await user(nodeA(), 'ann');
    await requestOk(author, 'room:join', { room });
    const joinedReader = await user(nodeA(), 'carl');
    await requestOk(joinedReader, 'room:join', { room });
    const readerLaptop = await user(nodeA(), 'dora');
    const readerPhone = await user(nodeB(), 'dora');
    const outsider = await user(nodeB(), 'eric', { rooms: ['private-*'] });
    const atOutsider = collect<Mention>(outsider, 'mention');
    const atAuthor = collect<Mention>(author, 'mention');

    const carlMentioned = nextEvent<Mention>(joinedReader, 'mention');
    const doraMentioned = [nextEvent<Mention>(readerLaptop, 'mention'), nextEvent<Mention>(readerPhone, 'mention')];
    const sent = await say(author, room, '@carl, (@dora) and @eric: see mail@example.com, thanks @ann.');
    expect(sent.mentions).toEqual(['carl', 'dora', 'eric', 'ann']);

    for (const mention of [await carlMentioned, ...(await Promise.all(doraMentioned))]) {
      expect(mention).toEqual({ room, message: expect.objectContaining({ id: sent.id, mentions: ['carl', 'dora', 'eric', 'ann'] }) });
    }
    const history = await requestOk<{ messages: { id: string; mentions?: string[] }[] }>(joinedReader, 'message:history', { room });
    expect(history.messages.find((message) => message.id === sent.id)?.mentions).toEqual(['carl', 'dora', 'eric', 'ann']);

    // a mention eric may read, sent after: once it arrives, one for the first message would have arrived before it
    const privateRoom = uniqueRoom('private');
    await requestOk(author, 'room:join', { room: privateRoom });
    const allowed = nextEvent<Mention>(outsider, 'mention');
    await say(author, privateRoom, 'now @eric');
    expect((await allowed).room).toBe(privateRoom);
    await roundTrip(author);
    expect(atOutsider.map((mention) => mention.room)).toEqual([privateRoom]);
    expect(atAuthor).toEqual([]);

    const plain = await say(author, room, 'no one named here');
    expect(plain).not.toHaveProperty('mentions');
  });

  it('re-parses mentions on edit, tells only the users the edit names for the first time, and serves the new mentions', async () => {
    const room = uniqueRoom('edited');
    const author = await user(nodeA(), 'gina');
    await requestOk(author, 'room:join', { room });
    const named = await user(nodeB(), 'hugo');
    const namedLater = await user(nodeB(), 'ivan');
    const namedLaterElsewhere = await user(nodeA(), 'ivan');
    const outsider = await user(nodeA(), 'jack', { rooms: ['private-*'] });
    const atNamed = collect<Mention>(named, 'mention');
    const atOutsider = collect<Mention>(outsider, 'mention');

    const firstMention = nextEvent<Mention>(named, 'mention');
    const sent = await say(author, room, 'ping @hugo');
    await firstMention;

    const ivanMentioned = [nextEvent<Mention>(namedLater, 'mention'), nextEvent<Mention>(namedLaterElsewhere, 'mention')];
    const edited = await requestOk<{ id: string; mentions?: string[] }>(author, 'message:edit', {
      room,
      messageId: sent.id,
      content: 'ping @hugo and @ivan, @jack',
    });
    expect(edited.mentions).toEqual(['hugo', 'ivan', 'jack']);
    for (const mention of await Promise.all(ivanMentioned)) {
      expect(mention).toEqual({
        room,
        message: expect.objectContaining({ id: sent.id, content: 'ping @hugo and @ivan, @jack', mentions: ['hugo', 'ivan', 'jack'] }),
      });
    }

    const unnamed = await requestOk<{ mentions?: string[] }>(author, 'message:edit', { room, messageId: sent.id, content: 'never mind' });
    expect(unnamed).not.toHaveProperty('mentions');
    const history = await requestOk<{ messages: { id: string; mentions?: string[] }[] }>(named, 'message:history', { room });
    expect(history.messages.find((message) => message.id === sent.id)).not.toHaveProperty('mentions');

    // naming hugo again after the edit that dropped him is news to him; a mention that arrives after it proves none came for the first edit
    const again = nextEvent<Mention>(named, 'mention');
    await requestOk(author, 'message:edit', { room, messageId: sent.id, content: '@hugo after all' });
    expect((await again).message.content).toBe('@hugo after all');
    await roundTrip(author);
    expect(atNamed.map((mention) => mention.message.content)).toEqual(['ping @hugo', '@hugo after all']);
    expect(atOutsider).toEqual([]);
  });

  it(
    `holds at most MAX_ROOMS_PER_USER rooms (${MAX_ROOMS}) and lists them all with bounded cost`,
    async () => {
      const prefix = uniqueRoom('many');
      const rooms = Array.from({ length: MAX_ROOMS }, (_, i) => `${prefix}-${i}`);
      const holder = await user(nodeA(), 'hannah');
      const writer = await user(nodeB(), 'will');
      for (const room of rooms) {
        await Promise.all([requestOk(holder, 'room:join', { room }), requestOk(writer, 'room:join', { room })]);
        await say(writer, room, `news of ${room}`);
      }
      const refused = await request(holder, 'room:join', { room: `${prefix}-one-too-many` });
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', details: { limit: MAX_ROOMS } } });

      const redis = new Redis(cluster.redis.url);
      try {
        const timings: number[] = [];
        let listed: InboxRoom[] = [];
        const commandsBefore = await commandsProcessed(redis);
        for (let run = 0; run < 5; run++) {
          const startedAt = performance.now();
          listed = await inbox(holder);
          timings.push(performance.now() - startedAt);
        }
        const commandsPerList = ((await commandsProcessed(redis)) - commandsBefore - 1) / 5;
        expect(listed).toHaveLength(MAX_ROOMS);
        expect(listed.every((entry) => entry.unreadCount === 1 && entry.lastMessage?.content === `news of ${entry.room}`)).toBe(true);
        expect(listed[0].room).toBe(rooms[MAX_ROOMS - 1]);
        // SMEMBERS, then per room one script of five reads (read marker, unread walk, newest, its edit and counts):
        // a constant per room, whatever the history; presence heartbeats may add a few
        expect(commandsPerList).toBeLessThanOrEqual(6 * MAX_ROOMS + 20);
        timings.sort((a, b) => a - b);
        process.stdout.write(
          `inbox:list of ${MAX_ROOMS} rooms: median ${timings[2].toFixed(1)} ms, max ${timings[4].toFixed(1)} ms, ${commandsPerList} Redis commands\n`,
        );
      } finally {
        redis.disconnect();
      }
    },
    LARGE_INBOX_TIMEOUT_MS,
  );
});

/** Commands Redis processed so far (INFO itself counts one). */
async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);
}
