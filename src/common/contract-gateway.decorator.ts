import { applyDecorators, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { CHAT_NAMESPACE } from './contract';
import { ContractExceptionFilter } from './contract-exception.filter';
import { ContractValidationPipe } from './contract-validation.pipe';
import { WsThrottlerGuard } from '../throttling/ws-throttler.guard';

/**
 * A gateway of the `/chat` namespace that speaks the contract: validated payloads in, `{ ok, data | error }`
 * acks out, every event within the user's shared rate budget. Every feature's gateway uses it so that none of
 * them repeats the error mapping or the throttle. A handler returns its data; `EventResponder`, where the
 * adapter binds events, wraps it in the success envelope.
 */
export const ChatNamespaceGateway = () =>
  applyDecorators(
    WebSocketGateway({ namespace: CHAT_NAMESPACE }),
    UseGuards(WsThrottlerGuard),
    UsePipes(ContractValidationPipe),
    UseFilters(ContractExceptionFilter),
  );
