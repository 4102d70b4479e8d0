import type { Request } from 'express';
import type { AuthUser } from './auth-user';

/** An HTTP request whose bearer token `HttpAuthGuard` verified. */
export type AuthenticatedRequest = Request & { user: AuthUser; token: string };
