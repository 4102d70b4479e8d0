import Redis from 'ioredis';
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'socket.io-client';
import { ClientEvent } from '../../src/common/contract';
import { Ack, connect, disconnection, nextEvent, request, requestOk, roundTrip } from '../support/clients';
import { closeAllPlainClients, connectPlain } from '../support/plain-websocket';
import { PollingClient, rawHttp } from '../support/polling';
import { http } from '../support/http';
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

const API_KEY = 'fuzz-key-for-the-server-api-0123456789abcdef';

/** `levels` arrays deep, written out: the body parser reads it, and whatever walks it recursively would overflow. */
const deepArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

interface ServerCall {
  method: 'GET' | 'POST';
  path: string;
  /** Raw body text, sent as `application/json` unless `contentType` says otherwise. */
  body?: string;
  contentType?: string;
  apiKey?: string;
}

/** Bodies every POST route of the server API must refuse with 400, whatever its fields. */
const BODY_JUNK: [label: string, body: string][] = [
  ['truncated JSON', '{"content":'],
  ['JSON and trailing garbage', '{"content":"hi"}garbage'],
  ['a JSON string', '"hi"'],
  ['a JSON number', '42'],
  ['JSON null', 'null'],
  ['a JSON array', '[{"content":"hi"}]'],
  ['NaN', 'NaN'],
  ['a NUL character', '\u0000'],
  ['a __proto__ key', '{"content":"hi","type":"t","data":1,"rooms":["r"],"__proto__":{"roles":["admin"]}}'],
  ['a constructor.prototype key', '{"content":"hi","type":"t","data":1,"rooms":["r"],"constructor":{"prototype":{"polluted":true}}}'],
  ['an unknown field', '{"content":"hi","type":"t","data":1,"rooms":["r"],"bogus":1}'],
  ['fields of the wrong types', '{"content":{"text":"hi"},"type":["t"],"rooms":"r","userId":7,"name":false,"reason":[],"clientMsgId":{}}'],
  ['a huge userId', JSON.stringify({ content: 'hi', type: 't', data: 1, rooms: ['r'], userId: HUGE })],
  ['a userId with a space', JSON.stringify({ content: 'hi', type: 't', data: 1, rooms: ['r'], userId: 'bad user' })],
  ['a huge name', JSON.stringify({ content: 'hi', type: 't', data: 1, rooms: ['r'], name: HUGE })],
  ['a huge reason', JSON.stringify({ content: 'hi', type: 't', data: 1, rooms: ['r'], reason: HUGE })],
  ['a body 5,000 objects deep', `{"content":"hi","type":"t","rooms":["r"],"data":1,"reason":${nestedText(5000, 'objects')}}`],
  ['a body 40,000 arrays deep', `{"content":"hi","type":"t","rooms":["r"],"data":1,"reason":${deepArrays(40_000)}}`],
];

/** What each route refuses beyond the shared junk: its own missing and malformed fields. */
const ROUTE_JUNK: Record<string, [label: string, body: string][]> = {
  messages: [
    ['no content', '{}'],
    ['a huge content', JSON.stringify({ content: 'x'.repeat(20_000) })],
    ['a replyTo that is no id', JSON.stringify({ content: 'hi', replyTo: 'not-an-id' })],
    ['a huge clientMsgId', JSON.stringify({ content: 'hi', clientMsgId: HUGE })],
  ],
  broadcast: [
    ['no rooms', JSON.stringify({ content: 'hi' })],
    ['an empty list of rooms', JSON.stringify({ content: 'hi', rooms: [] })],
    ['101 rooms', JSON.stringify({ content: 'hi', rooms: Array.from({ length: 101 }, (_, i) => `r${i}`) })],
    ['a room with a space', JSON.stringify({ content: 'hi', rooms: ['bad room'] })],
    ['a room of 129 characters', JSON.stringify({ content: 'hi', rooms: ['r'.repeat(129)] })],
    ['a huge room', JSON.stringify({ content: 'hi', rooms: [HUGE] })],
    ['a room that is an object', JSON.stringify({ content: 'hi', rooms: [{ $gt: '' }] })],
    ['a room twice', JSON.stringify({ content: 'hi', rooms: ['twice', 'twice'] })],
    ['no content', JSON.stringify({ rooms: ['r'] })],
  ],
  notify: [
    ['no type', JSON.stringify({ data: 1 })],
    ['no data', JSON.stringify({ type: 't' })],
    ['a type with a space', JSON.stringify({ type: 'a b', data: 1 })],
    ['a type of 65 characters', JSON.stringify({ type: 't'.repeat(65), data: 1 })],
    ['a huge type', JSON.stringify({ type: HUGE, data: 1 })],
    ['data 5,000 objects deep', `{"type":"t","data":${nestedText(5000, 'objects')}}`],
    ['data 40,000 arrays deep', `{"type":"t","data":${deepArrays(40_000)}}`],
    ['data 9 levels deep', `{"type":"t","data":${nestedText(9, 'objects')}}`],
    ['data over 16 KiB', JSON.stringify({ type: 't', data: { blob: 'x'.repeat(17 * 1024) } })],
    ['data with a nested __proto__ key', '{"type":"t","data":{"a":{"__proto__":{"polluted":true}}}}'],
  ],
  disconnect: [['a reason of 257 characters', JSON.stringify({ reason: 'r'.repeat(257) })]],
};

/** Well-formed bodies whose content or data is over its limit: `payload_too_large`, 413. */
const TOO_LARGE = new Set(['a huge content', 'data over 16 KiB']);

/** Path parameters no route accepts: invalid room names for the room route, invalid user ids for the user routes. */
const BAD_ROOMS = ['bad%20room', 'r'.repeat(129), 'x'.repeat(5000), '%F0%9F%8E%89', 'a%2Fb', 'a%00b', '%7B%7D', '%E0%A4%A'];
const BAD_USER_IDS = ['bad%20user', 'u'.repeat(129), 'x'.repeat(5000), 'a%00b', '%7Bslot%7D', '%E0%A4%A'];

/** X-API-Key values that name no configured key; some only a raw socket can send. */
const BAD_KEYS: [label: string, value: string][] = [
  ['an empty key', ''],
  ['a key one character short', API_KEY.slice(0, -1)],
  ['the key and one more character', `${API_KEY}x`],
  ['a key of 8,000 characters', 'k'.repeat(8000)],
  ['a key of Latin-1 characters', 'é'.repeat(40)],
  ['the key in capitals', API_KEY.toUpperCase()],
  ['a list of keys', `${API_KEY},${API_KEY}`],
];
/** Sent as UTF-8 bytes, which no HTTP client library lets through a header. */
const NON_ASCII_KEYS: [label: string, value: string][] = [
  ['a key of Cyrillic', 'ключ'.repeat(12)],
  ['a key of emoji', '🔑'.repeat(2000)],
  ['the key with an emoji', `${API_KEY}🔑`],
];

/** One request written byte by byte on a socket: headers as UTF-8, which fetch and node:http refuse to send. */
function rawRequest(url: string, lines: string[], body = ''): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      if (status === 0) return reject(new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    const head = [...lines, `Host: ${hostname}:${port}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n');
    // written, not ended: the server closes once it answered (Connection: close)
    socket.write(Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(body, 'utf8')]));
  });
}

describe('hardened input', () => {
  const cluster = useCluster(1, { THROTTLE_WS_LIMIT: '100000', THROTTLE_HTTP_LIMIT: '100000', SERVER_API_KEYS: API_KEY });
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

  describe('server API', () => {
    const TARGET_USER = 'fuzz-target';
    const ROOM = 'fuzz-server-room';
    const routes = () => ({
      messages: `/server/rooms/${ROOM}/messages`,
      broadcast: '/server/broadcast',
      notify: `/server/users/${TARGET_USER}/notify`,
      disconnect: `/server/users/${TARGET_USER}/disconnect`,
    });
    let redis: Redis;
    let target: Socket;
    let notified: unknown[];
    let keysBefore: Set<string>;

    const call = ({ method, path, body, contentType = 'application/json', apiKey = API_KEY }: ServerCall) =>
      rawHttp(`${node().url}${path}`, { method, headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': contentType }) }, body });

    /** The documented error body, with a 4xx status that says what was wrong. */
    function expectRefused(label: string, answer: { status: number; body: string }, statuses: number[] = [400]) {
      let body: unknown;
      try {
        body = JSON.parse(answer.body);
      } catch {
        body = answer.body;
      }
      expect(`${label}: ${answer.status}`).toMatch(new RegExp(`: (${statuses.join('|')})$`));
      expect({ label, body }).toEqual({
        label,
        body: expect.objectContaining({ statusCode: answer.status, error: expect.any(String), message: expect.anything() }),
      });
      const { message } = body as { message: unknown };
      expect({ label, messageIsText: typeof message === 'string' || (Array.isArray(message) && message.every((line) => typeof line === 'string')) }).toEqual({
        label,
        messageIsText: true,
      });
    }

    const keysNow = async () => new Set(await redis.keys('*'));
    /** The audit trail's stream, read directly: a read through the admin API would itself be audited. */
    const auditEntries = () => redis.xlen('audit:entries');
    let auditBefore: number;

    beforeAll(async () => {
      redis = new Redis(cluster.redis.url);
      target = await connect(node().url, { token: makeToken({ sub: TARGET_USER }) });
      notified = [];
      target.on('notification', (notification: unknown) => notified.push(notification));
      keysBefore = await keysNow();
      auditBefore = await auditEntries();
    });
    afterAll(() => redis?.disconnect());

    it.each(['messages', 'broadcast', 'notify', 'disconnect'] as const)(
      'answers every malformed body of the %s route with 400, 413 or 415 and the error body',
      async (route) => {
        const path = routes()[route];
        for (const [label, body] of [...BODY_JUNK, ...ROUTE_JUNK[route]]) {
          expectRefused(label, await call({ method: 'POST', path, body }), TOO_LARGE.has(label) ? [413] : [400]);
        }
        expectRefused('a body over the size limit', await call({ method: 'POST', path, body: JSON.stringify({ content: 'x'.repeat(200_000) }) }), [413]);
        // a body that is not JSON is refused as such, even on a route whose fields are all optional (disconnect)
        expectRefused(
          'JSON sent as text/plain',
          await call({ method: 'POST', path, body: '{"content":"hi","type":"t","data":1,"rooms":["r"]}', contentType: 'text/plain' }),
          [415],
        );
        expectRefused(
          'a form',
          await call({ method: 'POST', path, body: 'content=hi&type=t&data=1&rooms=r', contentType: 'application/x-www-form-urlencoded' }),
          [415],
        );
        expectRefused(
          'a body without a content type',
          await rawRequest(node().url, [`POST ${path} HTTP/1.1`, `X-API-Key: ${API_KEY}`], '{"reason":"x"}'),
          [415],
        );
        expectRefused(
          'JSON with a charset no parser reads',
          await call({ method: 'POST', path, body: '{"content":"hi"}', contentType: 'application/json; charset=ebcdic' }),
          [400, 415],
        );
      },
    );

    it('answers every invalid room or user id in the path with 400', async () => {
      for (const room of BAD_ROOMS) expectRefused(room, await call({ method: 'POST', path: `/server/rooms/${room}/messages`, body: '{"content":"hi"}' }));
      for (const userId of BAD_USER_IDS) {
        expectRefused(`notify ${userId}`, await call({ method: 'POST', path: `/server/users/${userId}/notify`, body: '{"type":"t","data":1}' }));
        expectRefused(`presence ${userId}`, await call({ method: 'GET', path: `/server/users/${userId}/presence` }));
        expectRefused(`disconnect ${userId}`, await call({ method: 'POST', path: `/server/users/${userId}/disconnect`, body: '{}' }));
      }
    });

    it('answers every bad X-API-Key, however long or whatever its characters, with 401 on every route', async () => {
      const everyRoute: ServerCall[] = [
        ...Object.values(routes()).map((path): ServerCall => ({ method: 'POST', path, body: '{"content":"hi","rooms":["r"]}' })),
        { method: 'GET', path: `/server/users/${TARGET_USER}/presence` },
      ];
      for (const request of everyRoute) {
        for (const [label, apiKey] of BAD_KEYS) expectRefused(`${label} on ${request.path}`, await call({ ...request, apiKey }), [401]);
        for (const [label, apiKey] of NON_ASCII_KEYS) {
          const lines = [`${request.method} ${request.path} HTTP/1.1`, `X-API-Key: ${apiKey}`, ...(request.body ? ['Content-Type: application/json'] : [])];
          expectRefused(`${label} on ${request.path}`, await rawRequest(node().url, lines, request.body), [401]);
        }
      }
    });

    it('stored nothing and notified nobody; the node still serves a valid call and /health/live', async () => {
      const added = [...(await keysNow())].filter((key) => !keysBefore.has(key) && !key.startsWith('throttle:'));
      expect(added).toEqual([]);
      expect(await auditEntries()).toBe(auditBefore);
      const witness = await connect(node().url, { token: makeToken({ sub: 'fuzz-witness' }) });
      for (const room of [ROOM, 'r', 'twice']) {
        expect({ room, history: await requestOk(witness, 'message:history', { room }) }).toEqual({ room, history: { messages: [] } });
      }
      expect(target.connected).toBe(true);
      expect(Object.prototype).not.toHaveProperty('polluted');

      const published = await http(node().url, 'POST', `/server/rooms/${ROOM}/messages`, {
        headers: { 'x-api-key': API_KEY },
        body: { content: 'after the fuzz' },
      });
      expect(published).toMatchObject({ status: 201, body: { room: ROOM, content: 'after the fuzz', userId: 'system' } });
      const notification = nextEvent(target, 'notification');
      expect(
        await http(node().url, 'POST', routes().notify, { headers: { 'x-api-key': API_KEY }, body: { type: 'still.here', data: { ok: true } } }),
      ).toMatchObject({ status: 202, body: { connections: 1 } });
      expect(await notification).toMatchObject({ type: 'still.here', data: { ok: true } });
      expect(notified).toHaveLength(1);
      expect((await rawHttp(`${node().url}/health/live`)).status).toBe(200);
    });

    it('refuses a body that is not JSON on the admin routes too: a text ban bans nobody', async () => {
      const admin = makeToken({ sub: 'fuzz-admin', roles: ['admin'] });
      const asText = await rawHttp(`${node().url}/admin/users/fuzz-text-ban/ban`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
        body: '{"reason":"sent as text"}',
      });
      expectRefused('a ban sent as text/plain', asText, [415]);
      expect((await connect(node().url, { token: makeToken({ sub: 'fuzz-text-ban' }) })).connected).toBe(true);
      // a route without fields still takes a bare POST, with or without a content type
      expect((await http(node().url, 'POST', '/admin/users/fuzz-bare/revoke-tokens', { token: admin })).status).toBe(204);
      const bare = await rawRequest(node().url, ['POST /server/users/fuzz-bare/disconnect HTTP/1.1', `X-API-Key: ${API_KEY}`, 'Content-Type: text/plain']);
      expect(bare.status).toBe(204);
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
