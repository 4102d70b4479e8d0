import { ChatClientBase, type ChatClientBaseOptions } from './chat-client-base';
import type { ChatConnection, ConnectionListener } from './connection';
import { CHAT_NAMESPACE, type Ack } from './contract';

export interface ChatClientOptions extends ChatClientBaseOptions {
  transports?: ('websocket' | 'polling')[];
  /**
   * Socket.IO's wire format, the same as the server's SOCKET_PARSER: for `msgpack`, pass the
   * `socket.io-msgpack-parser` module (`import * as msgpackParser from 'socket.io-msgpack-parser'`). Default: JSON.
   */
  parser?: object;
}

/** Loaded when first used, so that a bundle of a page that uses only WsChatClient or AdminApi leaves it out. */
const loadSocketIo = () => import('socket.io-client');
type SocketIo = Awaited<ReturnType<typeof loadSocketIo>>['io'];

/** Socket.IO disconnect reasons that mean the transport was lost, not that the server or the user chose to end it. */
const LOST_TRANSPORT_REASONS = new Set(['transport close', 'transport error', 'ping timeout', 'parse error']);

/** The typed client over Socket.IO (namespace `/chat`); see `ChatClientBase` for what it guarantees. */
export class ChatClient extends ChatClientBase {
  private constructor(
    private readonly options: ChatClientOptions,
    private readonly io: SocketIo,
  ) {
    super(options);
  }

  /** Connects to the first URL that accepts; rejects with `ClientClosedError` when the token is refused. */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    const { io } = await loadSocketIo();
    return ChatClientBase.start(new ChatClient(options, io), options.connectTimeoutMs);
  }

  protected override openConnection(url: string, token: () => Promise<string>, listener: ConnectionListener): ChatConnection {
    const socket = this.io(`${url}${CHAT_NAMESPACE}`, {
      auth: (deliver) => void token().then((current) => deliver({ token: current })),
      transports: this.options.transports ?? ['websocket'],
      // reconnection is the client's own: it moves between URLs and rejoins rooms
      reconnection: false,
      forceNew: true,
      timeout: this.ackTimeoutMs,
      ...(this.options.parser ? { parser: this.options.parser } : {}),
    });
    socket.onAny((event: string, payload: unknown) => listener.event(event, payload));
    socket.on('connect', () => listener.opened());
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.message === 'unauthorized') listener.refused(error.data?.code);
      else listener.failed();
    });
    socket.on('disconnect', (reason: string) => listener.closed(reason, LOST_TRANSPORT_REASONS.has(reason)));
    return {
      get isOpen() {
        return socket.connected;
      },
      request: (event, payload, timeoutMs) => socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<unknown>>,
      close: () => {
        socket.offAny();
        socket.removeAllListeners();
        socket.close();
      },
    };
  }
}
