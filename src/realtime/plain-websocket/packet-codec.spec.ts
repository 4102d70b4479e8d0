import * as msgpackParser from 'socket.io-msgpack-parser';
import { jsonPackets, msgpackPackets } from './packet-codec';

/** What Socket.IO's own msgpack decoder makes of a packet the codec wrote. */
function decodedBySocketIo(packet: string | Buffer): unknown {
  const decoder = new msgpackParser.Decoder();
  let decoded: unknown;
  decoder.on('decoded', (value: unknown) => (decoded = value));
  decoder.add(packet);
  return decoded;
}

const encodedBySocketIo = (packet: object) => (new msgpackParser.Encoder().encode(packet) as unknown as Buffer[])[0];

describe('packet codecs of the plain-WebSocket bridge', () => {
  it('msgpack: writes CONNECT and EVENT packets that Socket.IO decodes, with the ack id', () => {
    const codec = msgpackPackets();
    expect(decodedBySocketIo(codec.connect('/chat', { token: 't' }))).toEqual({ type: 0, nsp: '/chat', data: { token: 't' } });
    expect(decodedBySocketIo(codec.event('/chat', 7, 'room:join', { room: 'r' }))).toEqual({
      type: 2,
      nsp: '/chat',
      id: 7,
      data: ['room:join', { room: 'r' }],
    });
    expect(decodedBySocketIo(codec.event('/chat', 8, 'inbox:list', undefined))).toEqual({ type: 2, nsp: '/chat', id: 8, data: ['inbox:list'] });
  });

  it('msgpack: reads what Socket.IO wrote as type, ack id and JSON text', () => {
    const codec = msgpackPackets();
    expect(codec.read(encodedBySocketIo({ type: 2, nsp: '/chat', data: ['message', { content: 'héllo' }] }))).toEqual({
      type: 2,
      ackId: undefined,
      json: '["message",{"content":"héllo"}]',
    });
    expect(codec.read(encodedBySocketIo({ type: 3, nsp: '/chat', id: 4, data: [{ ok: true, data: {} }] }))).toEqual({
      type: 3,
      ackId: 4,
      json: '[{"ok":true,"data":{}}]',
    });
  });

  it('json: reads text packets and skips binary ones, which this server never writes', () => {
    expect(jsonPackets.read('3/chat,4[{"ok":true}]')).toEqual({ type: 3, ackId: 4, json: '[{"ok":true}]' });
    expect(jsonPackets.read(Buffer.from([1, 2]))).toBeUndefined();
  });
});
