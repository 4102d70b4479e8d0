import { CanActivate, ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request } from 'express';

/**
 * REST bodies are JSON. Only a JSON body is parsed, so without this any other body (text, a form, no content
 * type) reached a route as if it were empty, and a route whose fields are all optional acted on it: a service
 * that sent the wrong content type to `disconnect` closed a user's connections. A request without a body passes.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    // an empty body is no body: clients send `Content-Length: 0` with a bare POST, whatever their content type
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (hasBody && !request.is('application/json'))
      throw new UnsupportedMediaTypeException('the body must be JSON: send it with Content-Type: application/json');
    return true;
  }
}
