import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type WebSocketServer } from 'ws';
import type { ErrorBody } from '../../common/contract';
import { FakeConnection } from '../../testing/fakes';
import { jsonPackets, PacketCodec } from './packet-codec';
import { MAX_BAD_FRAMES_IN_A_ROW, PlainWebSocketConnection, SLOW_CONSUMER_CLOSE_CODE } from './plain-websocket.connection';
import type { SlowConsumer } from '../send-buffer-bound';

const SEND_BUFFER_MAX_BYTES = 4096;

/** The `ws` socket as the connection uses it. */
class FakeWebSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  /** What `ws` has not written yet; a test sets it. */
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  readonly send = jest.fn((frame: string) => this.sent.push(JSON.parse(frame)));
  readonly close = jest.fn();
  readonly ping = jest.fn();
  readonly terminate = jest.fn();
}

/** Frames are answered after a promise (the budget's charge): lets those settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

function openConnection(packets: PacketCodec = jsonPackets, chargeRefusal = jest.fn((_connection: unknown, error: ErrorBody) => Promise.resolve(error))) {
  const ws = new FakeWebSocket();
  const server = { handleUpgrade: (_request: unknown, _socket: unknown, _head: unknown, open: (ws: FakeWebSocket) => void) => open(ws) };
  const upgrade = { request: { socket: {} } as IncomingMessage, socket: new EventEmitter() as Duplex, head: Buffer.alloc(0), server: server as unknown as WebSocketServer };
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
  // the namespace admitted it: Socket.IO writes its CONNECT packet
  connection.write('0/chat,{"sid":"s1"}');
  connection.admittedAs = new FakeConnection('c1', { id: 'alice', roles: [], tokenId: 't1', expiresAtSec: 0 });
  const receive = (frame: string | Buffer, isBinary = false) => ws.emit('message', Buffer.from(frame), isBinary);
  return { connection, ws, receive, toSocketIo, chargeRefusal, slowConsumers };
}

describe('PlainWebSocketConnection', () => {
  let errorsLogged: jest.SpyInstance;
  beforeEach(() => (errorsLogged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined)));
  afterEach(() => errorsLogged.mockRestore());

  it('answers internal, with the id, when a frame cannot be handed on, and throws nothing out of the ws listener', () => {
    const failing: PacketCodec = { ...jsonPackets, event: () => { throw new RangeError('Maximum call stack size exceeded'); } };
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
    const { ws, receive, chargeRefusal } = openConnection(jsonPackets, jest.fn((_connection: unknown, _error: ErrorBody) => Promise.resolve(rateLimited)));

    receive('not json');
    receive(JSON.stringify({ id: 2, event: 'no:such' }));
    receive('{"id":3,"event":"room:join"}', true);
    await settled();

    expect(chargeRefusal).toHaveBeenCalledTimes(3);
    expect(chargeRefusal).toHaveBeenCalledWith(expect.objectContaining({ user: expect.objectContaining({ id: 'alice' }) }), expect.objectContaining({ code: 'validation_failed' }));
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
    expect(slowConsumers).toEqual([{ transport: 'plain-websocket', remoteAddress: '' }]);

    connection.write('2/chat,["message",{"n":3}]');
    expect(ws.sent).toEqual([{ event: 'message', data: { n: 1 } }, { event: 'message', data: { n: 2 } }]);
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
});
