import type { Socket } from 'socket.io-client';
import { ClientEvent } from '../../src/common/contract';
import { Ack, connect, disconnection, nextEvent, request, requestOk, roundTrip } from '../support/clients';
import { closeAllPlainClients, connectPlain } from '../support/plain-websocket';
import { PollingClient, rawHttp } from '../support/polling';
import { errorsLogged } from '../support/nodes';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** Well under a frame (MESSAGE_MAX_LENGTH 4000 -> frames up to about 32 KB), far over every field. */
const HUGE = 'x'.repeat(20_000);

const nested = (levels: number): object => (levels === 0 ? { leaf: true } : { a: nested(levels - 1) });

/** Payloads no event accepts: each must be answered `validation_failed` and change nothing. */
const JUNK: [label: string, args: unknown[]][] = [
  ['no payload', []],
  ['null', [null]],
  ['a number', [42]],
  ['a boolean', [true]],
  ['a string', ['room:join']],
  ['a huge string', [HUGE]],
  ['an empty array', [[]]],
  ['an array of payloads', [[{ room: 'lobby' }]]],
  ['an empty object', [{}]],
  ['a deeply nested object', [nested(200)]],
  ['binary', [Buffer.from('lobby')]],
  ['two payloads', [{ room: 'lobby' }, { room: 'lobby' }]],
  ['a room with a space', [{ room: 'bad room', content: 'hi', messageId: '1-0', to: 'bob', token: 'x' }]],
  ['a room of 129 characters', [{ room: 'r'.repeat(129) }]],
  ['an empty room', [{ room: '' }]],
  ['a huge room', [{ room: HUGE }]],
  ['a room that is an object', [{ room: { $gt: '' } }]],
  ['a room that is an array', [{ room: ['lobby'] }]],
  ['a __proto__ key', [JSON.parse('{"room":"lobby","__proto__":{"isAdmin":true}}')]],
  ['a nested __proto__ key', [JSON.parse('{"room":"lobby","since":{"__proto__":{"polluted":true}}}')]],
  ['constructor.prototype', [JSON.parse('{"room":"lobby","constructor":{"prototype":{"polluted":true}}}')]],
  ['an unknown property', [{ room: 'lobby', bogus: 1 }]],
];

/** Text `levels` objects deep (`{"a":{"a":...1}}`) or arrays deep (`[[...]]`), written out: no encoder recurses over it. */
const nestedText = (levels: number, kind: 'objects' | 'arrays') =>
  kind === 'objects' ? `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}` : `${'['.repeat(levels)}${']'.repeat(levels)}`;

/**
 * `/ws` frames no event accepts, up to the frame limit: each must be answered `validation_failed`, by the
 * frame reader (unreadable, binary, too deep, unknown event) or by the event's validation (wrong data).
 */
const WS_JUNK: [label: string, frame: string | Buffer, binary?: boolean][] = [
  ['a frame 9 levels deep', `{"id":1,"event":"room:join","data":${nestedText(8, 'objects')}}`],
  ['data 100 levels deep', `{"id":1,"event":"room:join","data":${nestedText(100, 'arrays')}}`],
  ['data 8,000 levels of arrays', `{"id":1,"event":"message:send","data":${nestedText(8000, 'arrays')}}`],
  ['data 5,000 levels of objects', `{"id":1,"event":"message:send","data":${nestedText(5000, 'objects')}}`],
  ['an id 8,000 levels deep', `{"id":${nestedText(8000, 'arrays')},"event":"room:join"}`],
  ['a top level 8,000 levels deep', nestedText(8000, 'arrays')],
  ['a huge room name', JSON.stringify({ id: 1, event: 'room:join', data: { room: HUGE } })],
  ['a huge non-JSON frame', HUGE],
  ['an empty frame', ''],
  ['whitespace', '   '],
  ['truncated JSON', '{"id":1,"event":"room:join","data":{"room":'],
  ['JSON and trailing garbage', '{"id":1,"event":"room:join","data":{"room":"lobby"}}garbage'],
  ['NaN', 'NaN'],
  ['a NUL character', '\u0000'],
  ['binary garbage', Buffer.from([0xff, 0x00, 0x9c, 0x91, 0x91, 0x90]), true],
  ['a valid frame sent as binary', Buffer.from(JSON.stringify({ id: 1, event: 'room:join', data: { room: 'lobby' } })), true],
  ['an empty binary frame', Buffer.alloc(0), true],
  ['a huge event name', JSON.stringify({ id: 1, event: HUGE })],
  ['a huge event name of emoji', JSON.stringify({ id: 1, event: '🎉'.repeat(5000) })],
  ['an event name of control characters', JSON.stringify({ id: 1, event: '\n\r\u0000\t' })],
  ['a prototype event name', JSON.stringify({ id: 1, event: '__proto__' })],
  ['an id that is true', JSON.stringify({ id: true, event: 'room:join', data: { room: 'lobby' } })],
  ['an id that is null', JSON.stringify({ id: null, event: 'room:join', data: { room: 'lobby' } })],
  ['an id that is an array', JSON.stringify({ id: [1], event: 'room:join', data: { room: 'lobby' } })],
  ['an id that is infinite', '{"id":1e999,"event":"room:join","data":{"room":"lobby"}}'],
  ['an event that is a number', JSON.stringify({ id: 1, event: 7 })],
  ['an event that is an array', JSON.stringify({ id: 1, event: ['room:join'] })],
  ['an event that is an object', JSON.stringify({ id: 1, event: { name: 'room:join' } })],
  ['data that is a string', JSON.stringify({ id: 1, event: 'room:join', data: 'lobby' })],
  ['data that is a number', JSON.stringify({ id: 1, event: 'message:send', data: 42 })],
  ['data that is an array', JSON.stringify({ id: 1, event: 'room:join', data: [{ room: 'lobby' }] })],
  ['data that is null', JSON.stringify({ id: 1, event: 'room:join', data: null })],
  ['data with a __proto__ key', '{"id":1,"event":"room:join","data":{"room":"lobby","__proto__":{"isAdmin":true}}}'],
  ['data with wrong field types', JSON.stringify({ id: 1, event: 'message:send', data: { room: ['lobby'], content: { text: 'x' } } })],
];

/** Events that take no fields (`inbox:list {}`): for them no payload and an empty object are well-formed requests. */
const EVENTS_WITHOUT_FIELDS: ReadonlySet<string> = new Set([ClientEvent.InboxList]);
const WELL_FORMED_WITHOUT_FIELDS = new Set(['no payload', 'an empty object']);
const junkFor = (event: string) => (EVENTS_WITHOUT_FIELDS.has(event) ? JUNK.filter(([label]) => !WELL_FORMED_WITHOUT_FIELDS.has(label)) : JUNK);

describe('hardened input', () => {
  const cluster = useCluster(1, { THROTTLE_WS_LIMIT: '100000' });
  const node = () => cluster.nodes[0];

  // each test, whichever run and in whatever order, leaves the node up and its log free of errors
  let logsBefore = 0;
  beforeEach(() => {
    logsBefore = node().logs().length;
  });
  afterEach(() => {
    expect(node().process.exitCode).toBeNull();
    expect(errorsLogged(node().logs().slice(logsBefore))).toEqual([]);
  });
  // and whatever a test's events logged after it ended
  afterAll(() => expect(errorsLogged(node().logs())).toEqual([]));

  it.each(Object.values(ClientEvent))('answers every junk payload of %s with validation_failed and keeps the socket usable', async (event) => {
    const socket = await connect(node().url, { token: makeToken({ sub: `fuzz-${event}` }) });
    const junk = junkFor(event);
    const acks = await Promise.all(junk.map(([, args]) => request(socket, event, ...args)));

    acks.forEach((ack, i) => {
      expect({ payload: junk[i][0], ok: ack.ok }).toEqual({ payload: junk[i][0], ok: false });
      if (!ack.ok) {
        expect({ payload: junk[i][0], code: ack.error.code }).toEqual({ payload: junk[i][0], code: 'validation_failed' });
        expect(typeof ack.error.message).toBe('string');
      }
    });
    expect(socket.connected).toBe(true);
    const room = uniqueRoom();
    await requestOk(socket, 'room:join', { room });
    expect(await requestOk(socket, 'message:send', { room, content: 'still here' })).toMatchObject({ room, content: 'still here' });
  });

  it('leaves Object.prototype alone after __proto__ payloads', async () => {
    const socket = await connect(node().url, { token: makeToken({ sub: 'polluter' }) });
    const room = uniqueRoom();
    await requestOk(socket, 'room:join', { room });
    const ack = await request(socket, 'message:send', JSON.parse(`{"room":"${room}","content":"x","__proto__":{"roles":["admin"]}}`));
    expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // had the payload reached an object's prototype, this non-admin could now delete another user's message
    const author = await connect(node().url, { token: makeToken({ sub: 'author' }) });
    await requestOk(author, 'room:join', { room });
    const message = await requestOk(author, 'message:send', { room, content: 'mine' });
    expect(await request(socket, 'message:delete', { room, messageId: message.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('ignores unknown event names and keeps the socket usable', async () => {
    const socket = await connect(node().url, { token: makeToken({ sub: 'explorer' }) });
    const answered: unknown[] = [];
    for (const name of ['no:such:event', 'constructor', '__proto__', 'message', 'x'.repeat(5000)]) {
      socket.emit(name, { room: 'lobby' }, (ack: unknown) => answered.push(ack));
    }
    // events on one socket are handled in order: once this is acknowledged, any answer to the others came first
    await roundTrip(socket);
    expect(answered).toEqual([]);
    expect(socket.connected).toBe(true);
  });

  it('handles events sent without an acknowledgement callback, junk or not, without an error', async () => {
    const room = uniqueRoom();
    const sender = await connect(node().url, { token: makeToken({ sub: 'no-ack' }) });
    const listener = await connect(node().url, { token: makeToken({ sub: 'listener' }) });
    await requestOk(sender, 'room:join', { room });
    await requestOk(listener, 'room:join', { room });
    for (const event of Object.values(ClientEvent)) {
      for (const [, args] of JUNK) sender.emit(event, ...args);
    }
    const delivered = nextEvent(listener, 'message', (message: { content: string }) => message.content === 'fire and forget');
    sender.emit('message:send', { room, content: 'fire and forget' });

    expect(await delivered).toMatchObject({ room, userId: 'no-ack' });
    expect(await requestOk(sender, 'message:history', { room })).toMatchObject({ messages: [{ content: 'fire and forget' }] });
    expect(sender.connected).toBe(true);
  });

  it.each([
    ['without any handshake', []],
    ['behind a refused handshake', ['40/chat,{"token":"not-a-token"}']],
    ['while a valid handshake is still being checked', [`40/chat,{"token":"${makeToken({ sub: 'eager' })}"}`]],
  ])('handles no event sent %s: the connection is closed', async (_case, before) => {
    const room = uniqueRoom('probed');
    const client = await PollingClient.open(node().url);
    // writes, so that a witness could see them handled: a join, then a message that outlives the connection
    await client.send(...before, `42/chat,0["room:join",{"room":"${room}"}]`, `42/chat,1["message:send",{"room":"${room}","content":"slipped through"}]`);

    const packets = await client.pollUntilClosed();

    expect(packets.filter((packet) => packet.startsWith('43/chat,'))).toEqual([]);
    const witness = await connect(node().url, { token: makeToken({ sub: 'witness' }) });
    expect(await requestOk(witness, 'message:history', { room })).toEqual({ messages: [] });
  });

  describe('/ws frames', () => {
    afterEach(() => closeAllPlainClients());

    it(`answers every junk frame (${WS_JUNK.length} kinds) with validation_failed; the node still serves events and /health/live`, async () => {
      const client = await connectPlain(node().url, { token: makeToken({ sub: 'ws-fuzzer' }) });
      for (const [index, [label, frame, binary]] of WS_JUNK.entries()) {
        const answer = client.nextUnclaimedAnswer();
        client.sendRaw(frame, binary);
        const { id, ...rest } = await answer;
        expect({ label, ok: rest.ok, code: rest.ok ? undefined : rest.error.code }).toEqual({ label, ok: false, code: 'validation_failed' });
        expect([null, 1]).toContain(id);
        // a valid event now and then: ten bad frames in a row would close the connection
        if (index % 5 === 4) await client.requestOk('presence:list', { room: uniqueRoom() });
      }

      expect(client.isOpen).toBe(true);
      const room = uniqueRoom();
      await client.requestOk('room:join', { room });
      expect(await client.requestOk('message:send', { room, content: 'after the barrage' })).toMatchObject({ room, content: 'after the barrage' });
      expect((await rawHttp(`${node().url}/health/live`)).status).toBe(200);
    });

    it('closes only the connection that sends text that is not UTF-8, with 1007', async () => {
      const sender = await connectPlain(node().url, { token: makeToken({ sub: 'not-utf8' }) });
      const bystander = await connectPlain(node().url, { token: makeToken({ sub: 'utf8-bystander' }) });
      sender.sendRaw(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), false);
      expect((await sender.closed).code).toBe(1007);
      expect(await bystander.requestOk('presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
    });
  });

  describe('Socket.IO packets written by hand', () => {
    /** Sends a Socket.IO EVENT packet as JSON text, with an ack id the client library does not use, and resolves with its ack. */
    function rawRequest(socket: Socket, ackId: number, json: string): Promise<Ack> {
      const engine = socket.io.engine;
      const prefix = `3/chat,${ackId}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          engine.off('packet', onPacket);
          reject(new Error(`no ack ${ackId} within 5000 ms`));
        }, 5000);
        const onPacket = (packet: { type: string; data?: unknown }) => {
          if (packet.type !== 'message' || typeof packet.data !== 'string' || !packet.data.startsWith(`${prefix}[`)) return;
          clearTimeout(timer);
          engine.off('packet', onPacket);
          resolve((JSON.parse(packet.data.slice(prefix.length)) as [Ack])[0]);
        };
        engine.on('packet', onPacket);
        engine.write(`2/chat,${ackId}${json}`);
      });
    }

    it.each([
      ['5,000 levels of objects', nestedText(5000, 'objects')],
      ['8,000 levels of arrays', nestedText(8000, 'arrays')],
      ['an object holding 5,000 levels', `{"room":"lobby","since":${nestedText(5000, 'objects')}}`],
    ])('answers a payload nested %s with validation_failed and keeps the socket usable', async (_name, payload) => {
      const socket = await connect(node().url, { token: makeToken({ sub: 'deep-sio' }) });
      for (const event of [ClientEvent.MessageSend, ClientEvent.CallSignal, ClientEvent.PushSubscribe]) {
        expect(await rawRequest(socket, 900_001, `["${event}",${payload}]`)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      }
      expect(socket.connected).toBe(true);
      expect(await requestOk(socket, 'presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
    });
  });

  it('closes only the connection that sends an oversized frame; the node stays ready', async () => {
    const room = uniqueRoom();
    const bystander = await connect(node().url, { token: makeToken({ sub: 'bystander' }) });
    const offender = await connect(node().url, { token: makeToken({ sub: 'offender' }) });
    await requestOk(bystander, 'room:join', { room });
    await requestOk(offender, 'room:join', { room });

    const closed = disconnection(offender);
    offender.emit('message:send', { room, content: 'y'.repeat(200_000) }, () => undefined);

    expect(await closed).toBe('transport close');
    expect(bystander.connected).toBe(true);
    expect(await requestOk(bystander, 'message:send', { room, content: 'unaffected' })).toMatchObject({ content: 'unaffected' });
    expect((await rawHttp(`${node().url}/health/ready`)).status).toBe(200);
    const history = await requestOk(bystander, 'message:history', { room });
    expect(history.messages.map((message: { content: string }) => message.content)).toEqual(['unaffected']);
  });
});
