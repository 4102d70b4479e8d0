import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type WebSocketServer } from 'ws';
import type { ErrorBody } from '../../common/contract';
import { fake, FakeConnection } from '../../testing/fakes';
import { jsonPackets, PacketCodec } from './packet-codec';
import { MAX_BAD_FRAMES_IN_A_ROW, PlainWebSocketConnection, SLOW_CONSUMER_CLOSE_CODE } from './plain-websocket.connection';
import type { SlowConsumer } from '../send-buffer-bound';

const SEND_BUFFER_MAX_BYTES = 4096;

/** Node's emitters hand a listener whatever its event carries. */
type Listener = (...args: any[]) => void;

/** The `ws` socket as the connection uses it; `socket` is what the connection holds, typed as the real one. */
class FakeWebSocket {
  readyState: WebSocket['readyState'] = WebSocket.OPEN;
  /** What `ws` has not written yet; a test sets it. */
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  readonly send = jest.fn((frame: string) => this.sent.push(JSON.parse(frame)));
  readonly close = jest.fn();
  readonly ping = jest.fn();
  readonly terminate = jest.fn();
  readonly socket: WebSocket = fake<WebSocket>(this, 'WebSocket');
  private readonly events = new EventEmitter();

  on(event: string, listener: Listener): WebSocket {
    this.events.on(event, listener);
    return this.socket;
  }

  /** What `ws` reports: a frame, a pong, the close. */
  emit(event: string, ...args: unknown[]): boolean {
    return this.events.emit(event, ...args);
  }
}

/** The socket of an upgrade request held open: what the connection writes on it when it refuses the upgrade. */
class FakeUpgradeSocket {
  written = '';
  readonly destroy = jest.fn();
  readonly socket: Duplex = fake<Duplex>(this, 'Duplex');
  private readonly events = new EventEmitter();

  end(text?: unknown): Duplex {
    this.written += String(text ?? '');
    this.emit('finish');
    return this.socket;
  }

  once(event: string, listener: Listener): Duplex {
    this.events.once(event, listener);
    return this.socket;
  }

  emit(event: string): boolean {
    return this.events.emit(event);
  }
}

/** Frames are answered after a promise (the budget's charge): lets those settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A connection whose upgrade the namespace has yet to admit. `upgradeCompletes`: the WebSocket handshake
 * finishes at once when the connection accepts, else when the test calls `finishHandshake`.
 */
function pendingConnection(
  packets: PacketCodec = jsonPackets,
  chargeRefusal = jest.fn((_connection: unknown, error: ErrorBody) => Promise.resolve(error)),
  upgradeCompletes = true,
) {
  const ws = new FakeWebSocket();
  const upgradeSocket = new FakeUpgradeSocket();
  let handshake: (() => void) | undefined;
  const server = fake<WebSocketServer>(
    {
      handleUpgrade: (_request, _socket, _head, open) => {
        handshake = () => open(ws.socket, _request);
        if (upgradeCompletes) handshake();
      },
    },
    'WebSocketServer',
  );
  const upgrade = { request: { socket: { remoteAddress: '203.0.113.7' } } as IncomingMessage, socket: upgradeSocket.socket, head: Buffer.alloc(0), server };
  const slowConsumers: SlowConsumer[] = [];
  const connection = new PlainWebSocketConnection(upgrade, {
    namespace: '/chat',
    isClientEvent: (event) => event === 'room:join',
    packets,
    chargeRefusal,
    sendBufferMaxBytes: SEND_BUFFER_MAX_BYTES,
    onSlowConsumer: (consumer) => slowConsumers.push(consumer),
  });
  const toSocketIo: unknown[] = [];
  connection.on('data', (packet) => toSocketIo.push(packet));
  const closed: string[] = [];
  connection.on('close', (reason: string) => closed.push(reason));
  const receive = (frame: string | Buffer, isBinary = false) => ws.emit('message', Buffer.from(frame), isBinary);
  const finishHandshake = () => handshake!();
  return { connection, ws, upgradeSocket, receive, toSocketIo, chargeRefusal, slowConsumers, closed, finishHandshake };
}

function openConnection(packets: PacketCodec = jsonPackets, chargeRefusal = jest.fn((_connection: unknown, error: ErrorBody) => Promise.resolve(error))) {
  const opened = pendingConnection(packets, chargeRefusal);
  // the namespace admitted it: Socket.IO writes its CONNECT packet
  opened.connection.write('0/chat,{"sid":"s1"}');
  opened.connection.admittedAs = new FakeConnection('c1', { id: 'alice', roles: [], tokenId: 't1', expiresAtSec: 0 });
  return opened;
}

describe('PlainWebSocketConnection', () => {
  let errorsLogged: jest.SpyInstance;
  beforeEach(() => (errorsLogged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined)));
  afterEach(() => errorsLogged.mockRestore());

  it('answers internal, with the id, when a frame cannot be handed on, and throws nothing out of the ws listener', () => {
    const failing: PacketCodec = {
      ...jsonPackets,
      event: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
    };
    const { ws, receive, toSocketIo } = openConnection(failing);

    expect(() => receive('{"id":"r1","event":"room:join","data":{"room":"a"}}')).not.toThrow();

    expect(ws.sent).toEqual([{ id: 'r1', ok: false, error: { code: 'internal', message: 'internal error' } }]);
    expect(toSocketIo).toEqual([]);
    expect(ws.close).not.toHaveBeenCalled();
    expect(errorsLogged).toHaveBeenCalledWith(expect.stringContaining('RangeError: Maximum call stack size exceeded'));
  });

  it('closes with 1011 instead of throwing when a packet for the client cannot be translated', () => {
    const failing: PacketCodec = { ...jsonPackets, read: (packet) => (packet.toString().startsWith('0') ? jsonPackets.read(packet) : JSON.parse('{')) };
    const { connection, ws } = openConnection(failing);

    expect(() => connection.write('2/chat,["message",{}]')).not.toThrow();

    expect(ws.close).toHaveBeenCalledWith(1011, 'internal error');
    expect(errorsLogged).toHaveBeenCalledTimes(1);
  });

  it('charges every refused frame to the budget and answers what the budget says', async () => {
    const rateLimited: ErrorBody = { code: 'rate_limited', message: 'too many events: slow down', details: { retryAfterMs: 900 } };
    const { ws, receive, chargeRefusal } = openConnection(
      jsonPackets,
      jest.fn((_connection: unknown, _error: ErrorBody) => Promise.resolve(rateLimited)),
    );

    receive('not json');
    receive(JSON.stringify({ id: 2, event: 'no:such' }));
    receive('{"id":3,"event":"room:join"}', true);
    await settled();

    expect(chargeRefusal).toHaveBeenCalledTimes(3);
    expect(chargeRefusal).toHaveBeenCalledWith(
      expect.objectContaining({ user: expect.objectContaining({ id: 'alice' }) }),
      expect.objectContaining({ code: 'validation_failed' }),
    );
    expect(ws.sent).toEqual([
      { id: null, ok: false, error: rateLimited },
      { id: 2, ok: false, error: rateLimited },
      { id: null, ok: false, error: rateLimited },
    ]);
  });

  it(`closes with 1008 after ${MAX_BAD_FRAMES_IN_A_ROW} bad frames in a row, once the last is answered; a good frame resets the count`, async () => {
    const { ws, receive, toSocketIo } = openConnection();

    for (let i = 1; i < MAX_BAD_FRAMES_IN_A_ROW; i++) receive('junk');
    receive('{"id":"ok","event":"room:join","data":{"room":"a"}}');
    for (let i = 1; i < MAX_BAD_FRAMES_IN_A_ROW; i++) receive('junk');
    await settled();
    expect(toSocketIo).toHaveLength(1);
    expect(ws.close).not.toHaveBeenCalled();

    receive('junk');
    await settled();
    expect(ws.sent).toHaveLength(2 * MAX_BAD_FRAMES_IN_A_ROW - 1);
    expect(ws.close).toHaveBeenCalledWith(1008, `${MAX_BAD_FRAMES_IN_A_ROW} bad frames in a row`);
    receive('{"id":"late","event":"room:join","data":{"room":"a"}}');
    expect(toSocketIo).toHaveLength(1);
  });

  it('closes with 1013 once the unsent output passes SEND_BUFFER_MAX_BYTES, tells Socket.IO at once, and sends nothing more', () => {
    const { connection, ws, slowConsumers } = openConnection();
    const closed: string[] = [];
    connection.on('close', (reason: string) => closed.push(reason));
    ws.bufferedAmount = SEND_BUFFER_MAX_BYTES;
    connection.write('2/chat,["message",{"n":1}]');
    expect(ws.close).not.toHaveBeenCalled();

    ws.bufferedAmount = SEND_BUFFER_MAX_BYTES + 1;
    connection.write('2/chat,["message",{"n":2}]');
    expect(ws.close).toHaveBeenCalledWith(SLOW_CONSUMER_CLOSE_CODE, expect.any(String));
    expect(closed).toEqual(['send buffer full']);
    expect(slowConsumers).toEqual([{ transport: 'plain-websocket', remoteAddress: '203.0.113.7' }]);

    connection.write('2/chat,["message",{"n":3}]');
    expect(ws.sent).toEqual([
      { event: 'message', data: { n: 1 } },
      { event: 'message', data: { n: 2 } },
    ]);
    expect(slowConsumers).toHaveLength(1);
  });

  it("counts only the pong that echoes the server's own ping", () => {
    const { connection, ws } = openConnection();
    connection.ping();
    const [payload] = ws.ping.mock.calls[0] as [string];

    ws.emit('pong', Buffer.alloc(0));
    ws.emit('pong', Buffer.from('not-the-ping'));
    expect(connection.isAlive).toBe(false);

    ws.emit('pong', Buffer.from(payload));
    expect(connection.isAlive).toBe(true);
    connection.ping();
    expect(ws.ping.mock.calls[1][0]).not.toBe(payload);
  });
  it('asks the namespace to admit the client with its token, as a CONNECT packet', () => {
    const { connection, toSocketIo } = pendingConnection();
    connection.connect('jwt-1');
    connection.connect(undefined);
    expect(toSocketIo).toEqual(['0/chat,{"token":"jwt-1"}', '0/chat,{}']);
  });

  it.each([
    ['unauthorized', { code: 'token_expired' }, 401, undefined],
    ['unauthorized', { code: 'banned' }, 403, undefined],
    ['rate_limited', { code: 'rate_limited', reason: 'handshake_rate', retryAfterMs: 1500 }, 429, '2'],
    ['unavailable', {}, 503, undefined],
    ['internal', {}, 500, undefined],
  ])('answers a refused %s (%j) with HTTP %i and the refusal as JSON, and never opens the WebSocket', (message, data, status, retryAfter) => {
    const { connection, upgradeSocket, closed } = pendingConnection();
    connection.write(`4/chat,${JSON.stringify({ message, data })}`);

    const [head, body] = upgradeSocket.written.split('\r\n\r\n');
    const lines = head.split('\r\n');
    expect(lines[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(lines.find((line) => line.startsWith('Retry-After:'))).toBe(retryAfter === undefined ? undefined : `Retry-After: ${retryAfter}`);
    expect(JSON.parse(body)).toEqual({ statusCode: status, error: message, ...data });
    expect(upgradeSocket.destroy).toHaveBeenCalled();
    expect(connection.readyState).toBe('closing');

    upgradeSocket.emit('close');
    expect(closed).toEqual(['transport close']);
  });

  it('holds what Socket.IO sends until the WebSocket is open, then sends it in order', () => {
    const { connection, ws, finishHandshake } = pendingConnection(jsonPackets, undefined, false);
    connection.write('0/chat,{"sid":"s1"}');
    connection.write('2/chat,["presence",{"n":1}]');
    connection.write('2/chat,["presence",{"n":2}]');
    expect(ws.sent).toEqual([]);

    finishHandshake();
    connection.write('2/chat,["presence",{"n":3}]');
    expect(ws.sent).toEqual([1, 2, 3].map((n) => ({ event: 'presence', data: { n } })));
  });

  it('closes a WebSocket that opens after Socket.IO let the client go', () => {
    const { connection, ws, finishHandshake } = pendingConnection(jsonPackets, undefined, false);
    connection.write('0/chat,{"sid":"s1"}');
    connection.write('1/chat,');
    finishHandshake();
    expect(ws.close).toHaveBeenCalledWith(1000);
    expect(ws.sent).toEqual([]);
  });

  it("hands a client's request to Socket.IO and answers it with the request's own id, once", () => {
    const { connection, ws, receive, toSocketIo } = openConnection();
    receive('{"id":"r1","event":"room:join","data":{"room":"a"}}');
    receive('{"id":7,"event":"room:join","data":{"room":"b"}}');
    expect(toSocketIo).toEqual(['2/chat,1["room:join",{"room":"a"}]', '2/chat,2["room:join",{"room":"b"}]']);

    connection.write('3/chat,2[{"ok":true,"data":{"room":"b"}}]');
    connection.write('3/chat,1[{"ok":false,"error":{"code":"forbidden","message":"no"}}]');
    connection.write('3/chat,1[{"ok":true}]');
    connection.write('3/chat,9[{"ok":true}]');
    expect(ws.sent).toEqual([
      { id: 7, ok: true, data: { room: 'b' } },
      { id: 'r1', ok: false, error: { code: 'forbidden', message: 'no' } },
    ]);
  });

  it('closes with 1000 when Socket.IO disconnects the client, and reports the close once', () => {
    const { connection, ws, closed } = openConnection();
    connection.write('1/chat,');
    expect(ws.close).toHaveBeenCalledWith(1000, undefined);
    ws.emit('close');
    ws.emit('close');
    expect(closed).toEqual(['transport close']);
    expect(connection.readyState).toBe('closed');
  });

  it('terminates a connection that missed its pong, reporting a ping timeout', () => {
    const { connection, ws, closed } = openConnection();
    connection.ping();
    expect(connection.isAlive).toBe(false);
    connection.dropUnresponsive();
    expect(ws.terminate).toHaveBeenCalled();
    ws.emit('close');
    expect(closed).toEqual(['ping timeout']);
  });

  it('sends one broadcast packet to every connection it is written to', () => {
    const first = openConnection();
    const second = openConnection();
    const packet = '2/chat,["message",{"text":"to all"}]';
    first.connection.write(packet);
    second.connection.write(packet);
    expect([first.ws.sent, second.ws.sent]).toEqual([[{ event: 'message', data: { text: 'to all' } }], [{ event: 'message', data: { text: 'to all' } }]]);
  });
});
