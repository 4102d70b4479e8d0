import * as msgpackParser from 'socket.io-msgpack-parser';
import { connectPacket, EncodedPacket, eventPacket, PacketType, splitPacket } from '../library-seams';

/**
 * The Socket.IO packets a plain-WebSocket connection exchanges with its namespace, in the server's wire format
 * (SOCKET_PARSER). The `/ws` frames themselves are JSON whichever it is.
 */
export interface PacketCodec {
  /** A packet Socket.IO wrote for this client, its data as JSON text; undefined for one this protocol does not carry. */
  read(packet: string | Buffer): EncodedPacket | undefined;
  connect(namespace: string, auth: object): string | Buffer;
  event(namespace: string, ackId: number, event: string, data: unknown): string | Buffer;
}

/** socket.io-parser's text packets, read by slicing: a broadcast's packet is large and reaches many clients. */
export const jsonPackets: PacketCodec = {
  read: (packet) => (typeof packet === 'string' ? splitPacket(packet) : undefined),
  connect: connectPacket,
  event: eventPacket,
};

interface DecodedPacket {
  type: number;
  id?: number;
  data?: unknown;
}

/** socket.io-msgpack-parser's binary packets. */
export function msgpackPackets(): PacketCodec {
  const encoder = new msgpackParser.Encoder();
  const decoder = new msgpackParser.Decoder();
  let decoded: DecodedPacket | undefined;
  // the decoder emits synchronously, from inside `add`
  decoder.on('decoded', (packet: DecodedPacket) => (decoded = packet));
  const encode = (packet: object) => (encoder.encode(packet) as unknown as Buffer[])[0];
  return {
    read(packet) {
      decoder.add(packet);
      const { type, id, data } = decoded!;
      return { type, ackId: id, json: JSON.stringify(data) ?? 'null' };
    },
    connect: (nsp, auth) => encode({ type: PacketType.Connect, nsp, data: auth }),
    event: (nsp, id, event, data) => encode({ type: PacketType.Event, nsp, id, data: data === undefined ? [event] : [event, data] }),
  };
}
