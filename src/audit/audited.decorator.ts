import { SetMetadata } from '@nestjs/common';
import { AuditActionName } from './audit-actions';

export const AUDITED_KEY = 'audit:action';

export interface AuditedRoute {
  action: AuditActionName;
  /** Whether the body and query go into `details`: only for routes that validate them (whitelisted DTOs). */
  recordsInput: boolean;
}

/** Names the action a route performs; `AuditInterceptor` records it once the route succeeded. */
export const Audited = (action: AuditActionName, { recordsInput = true } = {}) => SetMetadata<string, AuditedRoute>(AUDITED_KEY, { action, recordsInput });
