import Ajv, { type ValidateFunction } from 'ajv';
import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { ClientEvent, ServerEvent } from '../../src/common/contract';
import { connect, nextEvent, request } from '../support/clients';
import { http } from '../support/http';
import { useCluster, uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';

interface AsyncApiDocument {
  channels: { chat: { messages: Record<string, { name: string; payload: object }> } };
  components: { schemas: Record<string, object> };
}

const dataDir = mkdtempSync(join(tmpdir(), 'chat-contract-wire-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * What goes over the wire, checked against the node's own AsyncAPI document (generated from the DTOs): every
 * payload a scenario of the whole contract sends, the ack of every client event and every server event it
 * produces are validated with a JSON Schema validator. A field sent as null that the document calls a string, a field the document requires
 * but the server leaves out, a number where it says a string: each fails here.
 */
describe('the wire and the AsyncAPI document', () => {
  const cluster = useCluster(1, { DATA_DIR: dataDir });
  const violations: string[] = [];
  const acksSeen = new Set<string>();
  const eventsSeen = new Set<string>();
  let validators: { client: Map<string, ValidateFunction>; ack: Map<string, ValidateFunction>; server: Map<string, ValidateFunction> };

  beforeAll(async () => {
    const { status, body: document } = await http<AsyncApiDocument>(cluster.nodes[0].url, 'GET', '/docs/asyncapi.json');
    expect(status).toBe(200);
    // the document's schemas are JSON Schema with AsyncAPI's extensions (x-dto, examples), which strict mode refuses
    const ajv = new Ajv({ strict: false, allErrors: true });
    const compile = (payload: object) => ajv.compile({ allOf: [payload], components: document.components });
    const client = new Map<string, ValidateFunction>();
    const ack = new Map<string, ValidateFunction>();
    const server = new Map<string, ValidateFunction>();
    for (const [key, message] of Object.entries(document.channels.chat.messages)) {
      if (key.startsWith('client.') && message.name.endsWith(' ack')) ack.set(message.name.slice(0, -' ack'.length), compile(message.payload));
      else if (key.startsWith('client.')) client.set(message.name, compile(message.payload));
      if (key.startsWith('server.')) server.set(message.name, compile(message.payload));
    }
    validators = { client, ack, server };
  });

  const check = (validate: ValidateFunction | undefined, what: string, value: unknown) => {
    if (!validate) violations.push(`${what}: not in the document`);
    else if (!validate(value))
      violations.push(`${what} ${JSON.stringify(value)}: ${validate.errors!.map((error) => `${error.instancePath} ${error.message}`).join('; ')}`);
  };

  /** A client whose every incoming server event is checked against the document. */
  async function client(token: string): Promise<Socket> {
    const socket = await connect(cluster.nodes[0].url, { token });
    socket.onAny((event: string, payload: unknown) => {
      eventsSeen.add(event);
      check(validators.server.get(event), `server event ${event}`, payload);
    });
    return socket;
  }

  /** Sends a client event, checks it and its ack against the document, and returns the ack's data (failing on an error). */
  async function send<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
    check(validators.client.get(event), `payload of ${event}`, payload);
    const ack = await request<T>(socket, event, payload);
    check(validators.ack.get(event), `ack of ${event}`, ack);
    if (!ack.ok) throw new Error(`${event} answered ${JSON.stringify(ack.error)}`);
    acksSeen.add(event);
    return ack.data;
  }

  it('matches the document on every ack and every server event of a scenario covering the contract', async () => {
    const room = uniqueRoom('wire');
    const alice = await client(makeToken({ sub: 'alice', name: 'Alice' }));
    // no name claim: the fields that carry a name are null where the contract lists them, absent where optional
    const bobToken = makeToken({ sub: 'bob' });
    const bob = await client(bobToken);

    await send(alice, 'room:join', { room });
    const bobJoined = nextEvent(alice, 'presence', (payload) => payload.userId === 'bob');
    await send(bob, 'room:join', { room });
    await bobJoined;
    await send(alice, 'presence:list', { room });

    const delivered = Promise.all([nextEvent(bob, 'message'), nextEvent(bob, 'mention')]);
    const root = await send(alice, 'message:send', { room, content: 'hello @bob', clientMsgId: 'wire-1' });
    await delivered;
    const reply = await send(bob, 'message:send', { room, content: 'a reply', replyTo: root.id });
    await send(alice, 'message:replies', { room, messageId: root.id });
    await send(alice, 'message:history', { room, limit: 10 });
    await send(alice, 'message:search', { query: 'hello', room });
    await send(bob, 'room:join', { room, since: root.id });

    const edited = nextEvent(bob, 'message:edited');
    await send(alice, 'message:edit', { room, messageId: root.id, content: 'hello again' });
    await edited;

    const typing = nextEvent(bob, 'typing');
    await send(alice, 'typing', { room, isTyping: true });
    await typing;

    const reacted = nextEvent(alice, 'reaction', (payload) => payload.action === 'remove');
    await send(bob, 'reaction:add', { room, messageId: root.id, emoji: '👍' });
    await send(bob, 'reaction:remove', { room, messageId: root.id, emoji: '👍' });
    await reacted;

    const read = nextEvent(alice, 'receipt');
    await send(bob, 'receipt:read', { room, messageId: reply.id });
    await read;

    const direct = nextEvent(bob, 'message', (payload) => payload.room.startsWith('dm:'));
    await send(alice, 'dm:send', { to: 'bob', content: 'just us' });
    await direct;
    await send(bob, 'inbox:list', {});

    const endpoint = 'https://fcm.googleapis.com/fcm/send/wire-test';
    const keys = { p256dh: createECDH('prime256v1').generateKeys('base64url'), auth: randomBytes(16).toString('base64url') };
    // as PushSubscription.toJSON() gives it
    await send(bob, 'push:subscribe', { subscription: { endpoint, expirationTime: null, keys } });
    await send(bob, 'push:unsubscribe', { endpoint });
    await send(alice, 'attachment:create', { room, filename: 'notes.txt', contentType: 'text/plain', size: 11 });

    const signal = nextEvent(bob, 'call:signal');
    await send(alice, 'call:signal', { to: 'bob', callId: 'call-1', type: 'invite', data: { sdp: 'v=0' } });
    await signal;

    const deleted = nextEvent(bob, 'message:deleted');
    await send(alice, 'message:delete', { room, messageId: root.id });
    await deleted;
    await send(alice, 'auth:refresh', { token: makeToken({ sub: 'alice', name: 'Alice' }) });

    const notified = nextEvent(bob, 'notification');
    const service = makeToken({ sub: 'billing-service', roles: ['service'] });
    expect(
      (await http(cluster.nodes[0].url, 'POST', '/server/users/bob/notify', { token: service, body: { type: 'invoice.paid', data: { invoiceId: 'inv-42' } } }))
        .status,
    ).toBe(202);
    await notified;

    const muted = nextEvent(bob, 'moderation');
    const admin = makeToken({ sub: 'root', roles: ['admin'] });
    expect(
      (await http(cluster.nodes[0].url, 'POST', `/admin/rooms/${room}/mute`, { token: admin, body: { userId: 'bob', durationSec: 60, reason: 'calm down' } }))
        .status,
    ).toBe(204);
    await muted;

    const bobLeft = nextEvent(alice, 'presence', (payload) => payload.userId === 'bob' && payload.status === 'left');
    const farewell = nextEvent(bob, 'session');
    expect((await http(cluster.nodes[0].url, 'POST', '/auth/logout', { token: bobToken })).status).toBe(204);
    await Promise.all([farewell, bobLeft]);
    await send(alice, 'room:leave', { room });

    expect(violations).toEqual([]);
    expect([...acksSeen].sort()).toEqual(Object.values(ClientEvent).sort());
    expect([...eventsSeen].sort()).toEqual(Object.values(ServerEvent).sort());
  });
});
