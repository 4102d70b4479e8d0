import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { concatMap, Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import { AuditRecord, AuditTarget } from './audit-actions';
import { AuditService } from './audit.service';
import { AUDITED_KEY, AuditedRoute } from './audited.decorator';

const TARGET_FIELDS = ['userId', 'room', 'messageId'] as const;

/**
 * Records a successful `@Audited` route: the caller is the actor, route parameters and a body `userId` are the
 * target, the rest of the body and the query are the details. A body or query is read only when the route
 * declares it (`@Body()`, `@Query()`), so that its DTO validated it: a body sent to a route that takes none
 * could otherwise name any target. The response waits for the entry, so that an
 * admin who reads the trail right after an action finds it there.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = this.reflector.get<AuditedRoute | undefined>(AUDITED_KEY, context.getHandler());
    if (!route) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const declared = declaredInputs(context);
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        await this.audit.record(recordOf(request, route, declared));
        return result;
      }),
    );
  }
}

interface DeclaredInputs {
  body: boolean;
  query: boolean;
}

/** Which of body and query the handler takes as arguments (Nest keys them `<paramtype>:<index>`). */
function declaredInputs(context: ExecutionContext): DeclaredInputs {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  const takes = (type: RouteParamtypes) => Object.keys(args).some((key) => key.split(':')[0] === String(type));
  return { body: takes(RouteParamtypes.BODY), query: takes(RouteParamtypes.QUERY) };
}

function recordOf(request: AuthenticatedRequest, { action, recordsInput }: AuditedRoute, declared: DeclaredInputs): AuditRecord {
  const body = recordsInput && declared.body && isObject(request.body) ? request.body : {};
  const query = recordsInput && declared.query ? (request.query as Record<string, unknown>) : {};
  const sources = [request.params ?? {}, body];
  const target: AuditTarget = {};
  for (const field of TARGET_FIELDS) {
    const value = sources.map((source) => source[field]).find((candidate) => typeof candidate === 'string');
    if (value !== undefined) target[field] = value as string;
  }
  const details: Record<string, unknown> = { ...query, ...body };
  for (const field of TARGET_FIELDS) delete details[field];
  return { actor: request.user.id, action, target, details };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
