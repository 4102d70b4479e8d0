import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { isIP } from 'node:net';
import { forbidden } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * `POST /demo/token` signs an admin token for any name, so it answers only the demo page the node serves itself.
 * Browsers send `Origin` with every POST, same-origin ones included, and a page cannot forge it; a request without
 * one is not from the page (scripts have `npm run token`). CORS does not protect this route: development CORS is
 * open, and a simple cross-site POST needs no preflight.
 *
 * Same-origin alone is not enough: a foreign site can point its own name at 127.0.0.1 (DNS rebinding), and its
 * page is then same-origin with the node under that name. So the name must also be one that no other site can
 * point at the node: an IP address, `localhost` (or a `*.localhost` name), `HOST`, or the host of `PUBLIC_URL`.
 */
@Injectable()
export class DemoOriginGuard implements CanActivate {
  private readonly ownNames: ReadonlySet<string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const names = [config.host, config.attachments.publicUrl && new URL(config.attachments.publicUrl).hostname];
    this.ownNames = new Set(names.filter((name): name is string => Boolean(name)).map((name) => name.toLowerCase()));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!this.isOwnPage(request.headers.origin, request)) throw forbidden("a development token is given only to the demo page of this node's own origin");
    return true;
  }

  private isOwnPage(origin: string | undefined, request: Request): boolean {
    const host = request.headers.host;
    if (!origin || !host) return false;
    let page: URL;
    let node: URL;
    try {
      page = new URL(origin);
      node = new URL(`${request.protocol}://${host}`);
    } catch {
      return false;
    }
    return page.origin === node.origin && this.isUnforgeableName(node.hostname);
  }

  private isUnforgeableName(hostname: string): boolean {
    const name = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || this.ownNames.has(name);
  }
}
