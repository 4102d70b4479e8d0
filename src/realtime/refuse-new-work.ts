import type { ErrorBody } from '../common/contract';
import type { ChatNamespace } from './chat-namespace';
import type { ChatSocket } from './chat-socket';

/** Events already connected clients send from now on are acknowledged with the error without being handled; new handshakes are refused. */
export function refuseNewWork(chatNamespace: ChatNamespace, error: ErrorBody): void {
  const namespace = chatNamespace.server;
  const refusal = { ok: false, error };
  const refuseEvents = (socket: ChatSocket) =>
    socket.use((packet) => {
      const ack = packet.at(-1) as unknown;
      if (typeof ack === 'function') ack(refusal);
    });
  namespace.sockets.forEach(refuseEvents);
  namespace.use((_socket, next) => next(Object.assign(new Error('unavailable'), { data: error })));
}
