import { applyDecorators, UseFilters, UseInterceptors, UsePipes } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { AckInterceptor } from './ack.interceptor';
import { CHAT_NAMESPACE } from './contract';
import { ContractExceptionFilter } from './contract-exception.filter';
import { ContractValidationPipe } from './contract-validation.pipe';
import { MetricsInterceptor } from '../metrics/metrics.interceptor';

/**
 * A gateway of the `/chat` namespace that speaks the contract: validated payloads in, `{ ok, data | error }`
 * acks out. Every feature's gateway uses it so that none of them repeats the envelope or the error mapping.
 */
export const ChatNamespaceGateway = () =>
  applyDecorators(
    WebSocketGateway({ namespace: CHAT_NAMESPACE }),
    UsePipes(ContractValidationPipe),
    UseInterceptors(MetricsInterceptor, AckInterceptor),
    UseFilters(ContractExceptionFilter),
  );
