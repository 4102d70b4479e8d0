import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SECURITY } from '../server-api/server-controller.decorator';

/** OpenAPI UI at /docs, its JSON at /docs-json. */
export function setUpApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat backend REST API')
      .setDescription('Health, metrics, logout, the admin moderation API and the server API for backend services (docs/INTEGRATIONS.md). Socket.IO events are described in docs/EVENTS.md; the same events over a plain WebSocket (GET /ws) in docs/INTEGRATIONS.md.')
      .setVersion('1.0')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of SERVER_API_KEYS (server API only)' }, API_KEY_SECURITY)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
