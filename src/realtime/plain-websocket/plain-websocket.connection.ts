import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData, type WebSocketServer } from 'ws';
import type { ErrorBody } from '../../common/contract';
import type { Connection } from '../../common/connection';
import { withLogContext } from '../../logging/log-context';
import { logContextOf } from '../client-event-router';
import { answerFrame, binaryFrame, eventFrame, FrameRefusal, internalError, readClientFrame, refusalFrame, RequestId, unknownEvent } from './frames';
import { PacketType } from '../library-seams';
import type { PacketCodec } from './packet-codec';
import type { SlowConsumerListener } from '../send-buffer-bound';

/**
 * Frames in a row that are refused before reaching any event (unreadable, binary, too deep, unknown event) after
 * which the connection is closed with 1008: a client that keeps sending them is broken or probing. Any frame
 * handed on to an event resets the count.
 */
export const MAX_BAD_FRAMES_IN_A_ROW = 10;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_INTERNAL_ERROR = 1011;

const logger = new Logger('PlainWebSocket');

/** An HTTP upgrade request held open while Socket.IO runs the handshake pipeline on it. */
export interface PendingUpgrade {
  request: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  server: WebSocketServer;
}

export interface PlainWebSocketProtocol {
  namespace: string;
  isClientEvent(event: string): boolean;
  packets: PacketCodec;
  /** The answer to a frame refused before any event: `error` once it is charged to the user's event budget. */
  chargeRefusal(connection: Connection, error: ErrorBody): Promise<ErrorBody>;
  /** Unsent output a socket may hold before it is closed with 1013 (SEND_BUFFER_MAX_BYTES). */
  sendBufferMaxBytes: number;
  onSlowConsumer: SlowConsumerListener;
}

/** "Try Again Later": the client reconnects and catches up with `room:join { since }`. */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;

/** connect_error messages (see ChatNamespaceGateway) as HTTP statuses at the upgrade; a ban is 403. */
function statusOfRefusal(message: string, code: unknown): number {
  if (message === 'unauthorized') return code === 'banned' ? 403 : 401;
  if (message === 'rate_limited') return 429;
  if (message === 'unavailable') return 503;
  return 500;
}

/** Writes a plain HTTP answer on an upgrade request's socket and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, body: object, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(json)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${json}`);
}

/** The last broadcast packet and its frame: Socket.IO hands one encoded packet to every receiving socket in turn. */
let lastEventPacket: string | Buffer | undefined;
let lastEventFrame = '';

/**
 * A plain WebSocket seen by Socket.IO as one of its engine connections, so that a `/ws` client is an ordinary
 * socket of the `/chat` namespace: the same handshake pipeline, event router, rooms on every node, kicks,
 * bans and disconnects. Socket.IO writes encoded packets here and hears `data` packets from here; this class
 * translates both ways between them and the `{ id, event, data }` frames of the protocol.
 *
 * The upgrade completes only once the namespace admitted the client (its CONNECT packet comes back), so that a
 * refusal is an HTTP status (401, 403 for a ban, 429, 503) with the connect_error's data as the JSON body.
 */
export class PlainWebSocketConnection extends EventEmitter {
  readonly id = randomUUID();
  /** Socket.IO protocol v4: namespaces and auth in the CONNECT packet. */
  readonly protocol = 4;
  readonly remoteAddress: string;
  readyState: 'open' | 'closing' | 'closed' = 'open';
  /** The connection Socket.IO admitted, set once the namespace accepted it: whose budget a refused frame spends. */
  admittedAs?: Connection;
  /**
   * The payload of the heartbeat's ping still awaiting its pong. Only the pong that echoes it counts: an
   * unsolicited pong (a client that sends pongs but reads nothing) keeps no connection alive.
   */
  private awaitedPong?: string;
  private badFramesInARow = 0;
  private ws?: WebSocket;
  private readonly framesBeforeOpen: string[] = [];
  private readonly requestIds = new Map<number, RequestId>();
  private nextAckId = 0;
  private closeReason = 'transport close';
  /** Held until the WebSocket is open: the request, its head and headers are a good part of an idle connection's memory. */
  private upgrade?: PendingUpgrade;

  /** Read by Socket.IO for volatile packets, which this server does not send. */
  readonly transport = { name: 'plain-websocket', writable: true };

  constructor(
    upgrade: PendingUpgrade,
    private readonly protocolOptions: PlainWebSocketProtocol,
  ) {
    super();
    this.upgrade = upgrade;
    this.remoteAddress = upgrade.request.socket.remoteAddress ?? '';
    upgrade.socket.once('close', () => this.finish());
  }

  /** Read by Socket.IO for the handshake only, before the WebSocket opens. */
  get request(): IncomingMessage | undefined {
    return this.upgrade?.request;
  }

  /** Asks the namespace to admit the client, as a Socket.IO client's CONNECT would. */
  connect(token: string | undefined): void {
    this.emit('data', this.protocolOptions.packets.connect(this.protocolOptions.namespace, token ? { token } : {}));
  }

  /** Called by Socket.IO with each encoded packet for this client; nothing it throws may reach Socket.IO's caller. */
  write(packet: string | Buffer): void {
    try {
      this.translate(packet);
    } catch (error) {
      // the client would miss this packet: closed instead, it reconnects and catches up
      this.logUnexpected('a packet for this client could not be translated', error);
      this.closeWith(CLOSE_INTERNAL_ERROR, 'internal error');
    }
  }

  private translate(packet: string | Buffer): void {
    if (this.readyState !== 'open') return;
    if (packet === lastEventPacket) return this.send(lastEventFrame);
    const read = this.protocolOptions.packets.read(packet);
    if (!read) return;
    const { type, ackId, json } = read;
    if (type === PacketType.Event) {
      lastEventFrame = eventFrame(json);
      lastEventPacket = packet;
      this.send(lastEventFrame);
    } else if (type === PacketType.Ack && ackId !== undefined) {
      const id = this.requestIds.get(ackId);
      if (id === undefined) return;
      this.requestIds.delete(ackId);
      this.send(answerFrame(id, json));
    } else if (type === PacketType.Connect) {
      this.accept();
    } else if (type === PacketType.ConnectError) {
      this.refuse(JSON.parse(json) as { message: string; data?: { code?: string; retryAfterMs?: number } });
    } else if (type === PacketType.Disconnect) {
      this.close();
    }
  }

  close(): void {
    this.closeWith(1000);
  }

  private closeWith(code: number, reason?: string): void {
    if (this.readyState !== 'open') return;
    this.readyState = 'closing';
    if (this.ws) this.ws.close(code, reason);
    else this.upgrade?.socket.destroy();
  }

  /** No pong echoed the previous ping. */
  get isAlive(): boolean {
    return this.awaitedPong === undefined;
  }

  /** The heartbeat's verdict: no pong since the last ping. */
  dropUnresponsive(): void {
    this.closeReason = 'ping timeout';
    this.ws?.terminate();
  }

  ping(): void {
    if (!this.ws) return;
    // random so that it cannot be guessed; randomUUID draws from a cached pool of entropy
    this.awaitedPong = randomUUID();
    this.ws.ping(this.awaitedPong);
  }

  private accept(): void {
    if (!this.upgrade) return;
    const { server, request, socket, head } = this.upgrade;
    server.handleUpgrade(request, socket, head, (ws) => this.open(ws));
  }

  private refuse({ message, data = {} }: { message: string; data?: { code?: string; retryAfterMs?: number } }): void {
    const status = statusOfRefusal(message, data.code);
    const headers: Record<string, string> = data.retryAfterMs !== undefined ? { 'Retry-After': String(Math.ceil(data.retryAfterMs / 1000)) } : {};
    this.readyState = 'closing';
    if (this.upgrade) refuseUpgrade(this.upgrade.socket, status, { statusCode: status, error: message, ...data }, headers);
  }

  private open(ws: WebSocket): void {
    this.ws = ws;
    this.upgrade = undefined;
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('pong', (data) => {
      if (this.awaitedPong !== undefined && data.toString() === this.awaitedPong) this.awaitedPong = undefined;
    });
    ws.on('close', () => this.finish());
    // ws closes the connection itself after a protocol error (1009 for an oversize frame, 1007 for bad UTF-8)
    ws.on('error', () => undefined);
    if (this.readyState !== 'open') return ws.close(1000);
    for (const frame of this.framesBeforeOpen.splice(0)) ws.send(frame);
  }

  /** The `ws` listener of every frame: nothing a client sends may throw out of it (that would end the process). */
  private receive(data: RawData, isBinary: boolean): void {
    if (this.readyState !== 'open') return;
    let id: RequestId | null = null;
    try {
      const frame = isBinary ? binaryFrame() : readClientFrame(data.toString());
      if ('error' in frame) return this.refuseFrame(frame);
      id = frame.id;
      if (!this.protocolOptions.isClientEvent(frame.event)) return this.refuseFrame(unknownEvent(frame.id, frame.event));
      this.badFramesInARow = 0;
      const { namespace, packets } = this.protocolOptions;
      const ackId = this.nextAckId + 1;
      const packet = packets.event(namespace, ackId, frame.event, frame.data);
      this.nextAckId = ackId;
      this.requestIds.set(ackId, frame.id);
      this.emit('data', packet);
    } catch (error) {
      this.logUnexpected('a frame could not be handled', error);
      this.send(refusalFrame(internalError(id)));
    }
  }

  /**
   * A frame refused before any event still spends the user's event budget (rate_limited once spent), and too
   * many in a row close the connection with 1008 once the last is answered.
   */
  private refuseFrame({ id, error }: FrameRefusal): void {
    const isLastTolerated = ++this.badFramesInARow >= MAX_BAD_FRAMES_IN_A_ROW;
    const answered = this.admittedAs ? this.protocolOptions.chargeRefusal(this.admittedAs, error) : Promise.resolve(error);
    void answered
      .then((answer) => this.send(refusalFrame({ id, error: answer })))
      .catch((failure: unknown) => this.logUnexpected('a refused frame could not be answered', failure))
      .finally(() => {
        if (isLastTolerated) this.closeWith(CLOSE_POLICY_VIOLATION, `${MAX_BAD_FRAMES_IN_A_ROW} bad frames in a row`);
      });
  }

  private logUnexpected(what: string, error: unknown): void {
    const line = `${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    if (this.admittedAs) withLogContext(logContextOf(this.admittedAs), () => logger.error(line));
    else logger.error(line);
  }

  /**
   * `bufferedAmount` is a sum ws keeps (its socket's unwritten bytes and its own queue), so the bound costs a
   * comparison per frame. Past it the socket is closed with 1013: the close frame waits behind the unread
   * output (bounded, and freed by ws's close timeout at the latest), but Socket.IO forgets the connection at
   * once, so it leaves its rooms and is sent nothing more.
   */
  private send(frame: string): void {
    if (!this.ws) return void this.framesBeforeOpen.push(frame);
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame);
    if (this.ws.bufferedAmount > this.protocolOptions.sendBufferMaxBytes) this.shed();
  }

  private shed(): void {
    if (this.readyState !== 'open') return;
    this.closeReason = 'send buffer full';
    this.closeWith(SLOW_CONSUMER_CLOSE_CODE, 'send buffer full: reconnect and catch up');
    this.protocolOptions.onSlowConsumer({ transport: this.transport.name, remoteAddress: this.remoteAddress });
    this.finish();
  }

  private finish(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.emit('close', this.closeReason);
  }
}
