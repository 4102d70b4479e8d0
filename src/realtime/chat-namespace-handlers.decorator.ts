import { applyDecorators, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { CHAT_NAMESPACE } from '../common/contract';
import { ContractExceptionFilter } from '../common/contract-exception.filter';
import { ContractValidationPipe } from '../common/contract-validation.pipe';
import { EventBudgetGuard } from './event-budget.guard';

/**
 * A class of client-event handlers on the `/chat` namespace that speaks the contract: validated payloads in,
 * `{ ok, data | error }` acks out, every event within the user's shared budget. Handlers take a
 * `@ClientConnection()` and a DTO and return data; `EventResponder`, where the adapter binds events, wraps it in
 * the success envelope. No handler sees a socket.
 */
export const ChatNamespaceHandlers = () =>
  applyDecorators(
    WebSocketGateway({ namespace: CHAT_NAMESPACE }),
    UseGuards(EventBudgetGuard),
    UsePipes(ContractValidationPipe),
    UseFilters(ContractExceptionFilter),
  );
