import { applyDecorators, Controller, createParamDecorator, ExecutionContext, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { AuthUser } from '../common/auth-user';
import { HttpAuthGuard, Roles } from '../auth/http-auth.guard';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import { HttpErrorDto } from '../common/http-error.dto';
import { JsonBodyGuard } from '../common/json-body.guard';
import { RestValidationPipe } from '../common/rest-validation.pipe';

/**
 * A controller of the admin API: bearer token with the `admin` role (401 / 403), a body that is JSON if there is
 * one (415), validated input (400),
 * contract errors as `{ statusCode, error, message }` (404, 503...), every `@Audited` route recorded in the
 * audit trail, and the responses every admin route shares documented.
 */
export const AdminController = (tag: string) =>
  applyDecorators(
    Controller('admin'),
    UseGuards(HttpAuthGuard, JsonBodyGuard),
    Roles('admin'),
    UsePipes(RestValidationPipe),
    UseInterceptors(AuditInterceptor),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No bearer token, or it is invalid, expired, revoked or its user is banned', type: HttpErrorDto }),
    ApiForbiddenResponse({ description: 'The token does not carry the admin role', type: HttpErrorDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'A body that is not sent as application/json; nothing was changed', type: HttpErrorDto }),
    ApiTooManyRequestsResponse({ description: 'Too many requests from this client', type: HttpErrorDto }),
    ApiServiceUnavailableResponse({ description: 'Redis is unavailable; nothing was changed', type: HttpErrorDto }),
  );

/** The admin making the request, as `HttpAuthGuard` verified it. */
export const CurrentAdmin = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().user;
});
