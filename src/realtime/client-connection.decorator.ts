import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { ChatSocket } from './chat-socket';
import { connectionOf } from './socket-connection';

/** The event's connection, as a transport-neutral `Connection`: what a handler passes to its service. */
export const ClientConnection = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  connectionOf(context.switchToWs().getClient<ChatSocket>()),
);
