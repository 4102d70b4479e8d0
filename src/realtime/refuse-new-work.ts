import type { ErrorBody } from '../common/contract';
import type { ChatNamespace } from './chat-namespace';
import type { ChatSocket } from './chat-socket';

/**
 * Events already connected clients send from now on are acknowledged with the error without being handled; new
 * handshakes are refused. Client events reach the router through each socket's catch-all listener, which Socket.IO
 * calls before any `socket.use` middleware: the catch-all itself is replaced, by one refusing listener shared by
 * every socket.
 */
export function refuseNewWork(chatNamespace: ChatNamespace, error: ErrorBody): void {
  const namespace = chatNamespace.server;
  const refusal = { ok: false, error };
  const refuse = (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack === 'function') (ack as (answer: unknown) => void)(refusal);
  };
  namespace.sockets.forEach((socket: ChatSocket) => {
    socket.offAny();
    socket.onAny(refuse);
  });
  namespace.use((_socket, next) => next(Object.assign(new Error('unavailable'), { data: error })));
}
