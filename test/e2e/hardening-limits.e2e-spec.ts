import Redis from 'ioredis';
import { io } from 'socket.io-client';
import { connect, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { useCluster, uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';

const CATCHUP_MAX = 120;

describe('hardening: bounded catch-up, default namespace, connection ids as rooms', () => {
  const cluster = useCluster(2, { CATCHUP_MAX: String(CATCHUP_MAX) });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('caps a room:join { since } at CATCHUP_MAX with complete: false; message:history { after } pages on to the end', async () => {
    const room = uniqueRoom('catchup');
    const sender = await connect(nodeA(), { token: makeToken({ sub: 'catchup-sender' }) });
    await requestOk(sender, 'room:join', { room });
    const sent: string[] = [];
    for (let i = 0; i < CATCHUP_MAX + 30; i++) sent.push((await requestOk(sender, 'message:send', { room, content: `m${i}` })).id);

    const reader = await connect(nodeB(), { token: makeToken({ sub: 'catchup-reader' }) });
    const joined = await requestOk(reader, 'room:join', { room, since: '0-0' });
    expect(joined.messages).toHaveLength(CATCHUP_MAX);
    expect(joined.complete).toBe(false);
    expect(joined.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(0, CATCHUP_MAX));

    const rest = await requestOk(reader, 'message:history', { room, after: joined.messages[CATCHUP_MAX - 1].id, limit: 100 });
    expect(rest.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(CATCHUP_MAX));

    const upToDate = await requestOk(reader, 'room:join', { room, since: sent[sent.length - 31] });
    expect(upToDate.messages).toHaveLength(30);
    expect(upToDate.complete).toBe(true);
  });

  it('refuses the default namespace "/" without a token and closes its transport', async () => {
    const client = io(nodeA(), { transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      const closed = new Promise<string>((resolve) => client.io.engine.once('close', (reason: string) => resolve(reason)));
      const refused = await new Promise<Error & { data?: any }>((resolve, reject) => {
        client.once('connect', () => reject(new Error('the default namespace accepted a connection')));
        client.once('connect_error', resolve);
      });
      expect(refused.message).toBe('not_found');
      expect(refused.data.code).toBe('not_found');
      expect(await closed).toBeTruthy();
    } finally {
      client.close();
    }
  });

  it('refuses a connection id as a room name: no send into its own, no join of another connection', async () => {
    const owner = await connect(nodeA(), { token: makeToken({ sub: 'id-owner' }) });
    const intruder = await connect(nodeA(), { token: makeToken({ sub: 'id-intruder' }) });

    expect(await request(owner, 'message:send', { room: owner.id, content: 'into my own socket room' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await request(intruder, 'room:join', { room: owner.id })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(owner, 'room:leave', { room: owner.id })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('lets an idle room expire: the send refreshes a ROOM_IDLE_TTL_DAYS lifetime on its keys; dedup markers live an hour', async () => {
    const room = uniqueRoom('idle');
    const writer = await connect(nodeA(), { token: makeToken({ sub: 'idle-writer' }) });
    const reader = await connect(nodeB(), { token: makeToken({ sub: 'idle-reader' }) });
    await requestOk(writer, 'room:join', { room });
    await requestOk(reader, 'room:join', { room });
    const message = await requestOk(writer, 'message:send', { room, content: 'before the silence', clientMsgId: 'idle-1' });
    await requestOk(writer, 'message:edit', { room, messageId: message.id, content: 'edited' });
    await requestOk(reader, 'reaction:add', { room, messageId: message.id, emoji: '👍' });
    await requestOk(reader, 'receipt:read', { room, messageId: message.id });

    const redis = new Redis(cluster.redis.url);
    try {
      const ninetyDaysMs = 90 * 86_400_000;
      for (const key of ['messages', 'edits', 'reaction-counts', `reactions:${message.id}`, 'last-read']) {
        const ttl = await redis.pttl(`chat:{${room}}:${key}`);
        expect([key, ttl > ninetyDaysMs - 60_000 && ttl <= ninetyDaysMs]).toEqual([key, true]);
      }
      const [dedupKey] = await redis.keys(`chat:{${room}}:dedup:*`);
      const dedupTtl = await redis.ttl(dedupKey);
      expect(dedupTtl).toBeGreaterThan(3500);
      expect(dedupTtl).toBeLessThanOrEqual(3600);
    } finally {
      redis.disconnect();
    }
  });

  it('pages GET /admin/rooms by name with X-Next-Cursor, and forgets rooms whose keys expired with nobody online', async () => {
    const admin = makeToken({ sub: 'rooms-admin', roles: ['admin'] });
    const prefix = `paged-${process.pid}-`;
    const [first, second, third, expired] = ['a', 'b', 'c', 'd'].map((suffix) => prefix + suffix);
    const member = await connect(nodeA(), { token: makeToken({ sub: 'paged-member' }) });
    for (const room of [first, second, third]) await requestOk(member, 'room:join', { room });
    const visitor = await connect(nodeB(), { token: makeToken({ sub: 'paged-visitor' }) });
    await requestOk(visitor, 'room:join', { room: expired });
    await requestOk(visitor, 'message:send', { room: expired, content: 'soon gone' });
    await requestOk(visitor, 'room:leave', { room: expired });
    const redis = new Redis(cluster.redis.url);
    try {
      await redis.del(`chat:{${expired}}:messages`);
    } finally {
      redis.disconnect();
    }

    const page1 = await http(nodeB(), 'GET', `/admin/rooms?limit=2&cursor=${prefix}`, { token: admin });
    expect(page1.status).toBe(200);
    expect(page1.body.map((summary: { room: string }) => summary.room)).toEqual([first, second]);
    expect(page1.headers['x-next-cursor']).toBe(second);
    const page2 = await http(nodeA(), 'GET', `/admin/rooms?limit=2&cursor=${second}`, { token: admin });
    expect(page2.body).toEqual([{ room: third, online: 1, lastMessageAt: null }]);

    expect((await http(nodeA(), 'GET', `/admin/rooms/${expired}/presence`, { token: admin })).status).toBe(404);
    expect((await http(nodeA(), 'GET', '/admin/rooms?limit=0', { token: admin })).status).toBe(400);
  });
});
