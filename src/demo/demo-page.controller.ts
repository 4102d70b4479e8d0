import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** Where `npm run build` puts the bundled page (client library, socket.io-client and the page's script). */
const PAGE_DIR = join(__dirname, '..', 'public', 'demo');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * No inline script or style anywhere, and the page talks only to its own origin (Socket.IO, REST, uploads
 * served by the node). Message content is rendered as text, so this is the second line, not the only one.
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page's address: the service worker's scope, so that it controls the page and a notification click finds it. */
export const DEMO_SERVICE_WORKER_SCOPE = '/demo';

/** The page's files, read once at start-up: they are small and never change while the node runs. */
function readPageFiles(): Map<string, Buffer> {
  try {
    return new Map(readdirSync(PAGE_DIR).map((name) => [name, readFileSync(join(PAGE_DIR, name))]));
  } catch {
    return new Map();
  }
}

@ApiExcludeController()
@Controller('demo')
export class DemoPageController {
  private readonly files = readPageFiles();

  @Get()
  @Header('Content-Security-Policy', DEMO_CSP)
  page(@Res() response: Response): void {
    this.sendFile(response, 'index.html');
  }

  /**
   * The service worker: served under /demo/ but controlling the page at /demo itself, which its default scope
   * (/demo/) would not; the header allows the wider scope the page registers it with (DEMO_SERVICE_WORKER_SCOPE).
   */
  @Get('sw.js')
  @Header('Service-Worker-Allowed', DEMO_SERVICE_WORKER_SCOPE)
  @Header('Cache-Control', 'no-cache')
  serviceWorker(@Res() response: Response): void {
    this.sendFile(response, 'sw.js');
  }

  @Get('assets/:file')
  @Header('Content-Security-Policy', DEMO_CSP)
  asset(@Param('file') file: string, @Res() response: Response): void {
    this.sendFile(response, file);
  }

  private sendFile(response: Response, name: string): void {
    const body = this.files.get(name);
    if (!body) throw new NotFoundException(`${name} is not part of the demo page (was it built with npm run build?)`);
    response.type(CONTENT_TYPES[extname(name)] ?? 'application/octet-stream').send(body);
  }
}
