import { applyDecorators, Controller, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { HttpErrorDto } from '../common/http-error.dto';
import { JsonBodyGuard } from '../common/json-body.guard';
import { RestValidationPipe } from '../common/rest-validation.pipe';
import { ServerAuthGuard } from './server-auth.guard';

export const API_KEY_SECURITY = 'api-key';

/**
 * A controller of the server API: an API key with the route's scope or a service/admin token (401 / 403), a body
 * that is JSON if there is one (415), validated input (400),
 * contract errors as `{ statusCode, error, message }`, every `@Audited` route recorded in the audit trail.
 */
export const ServerController = (tag: string) =>
  applyDecorators(
    Controller('server'),
    UseGuards(ServerAuthGuard, JsonBodyGuard),
    UsePipes(RestValidationPipe),
    UseInterceptors(AuditInterceptor),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiSecurity(API_KEY_SECURITY),
    ApiUnauthorizedResponse({ description: 'No credentials, an unknown API key, or an invalid, expired, revoked or banned token', type: HttpErrorDto }),
    ApiForbiddenResponse({
      description:
        "The token carries neither the service nor the admin role, the API key's scopes do not include the route's, or the message's author is banned",
      type: HttpErrorDto,
    }),
    ApiBadRequestResponse({ description: 'Invalid path parameter or body; one message per field', type: HttpErrorDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'A body that is not sent as application/json; nothing was changed', type: HttpErrorDto }),
    ApiTooManyRequestsResponse({ description: 'Too many requests from this API key, token subject or address (THROTTLE_HTTP_LIMIT each)', type: HttpErrorDto }),
    ApiServiceUnavailableResponse({ description: 'Redis is unavailable, or not every node answered; nothing was changed', type: HttpErrorDto }),
  );
