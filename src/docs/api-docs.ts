import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { REQUEST_ID_HEADER } from '../logging/http-logging';
import { API_KEY_SECURITY } from '../server-api/server-controller.decorator';

/** OpenAPI UI at /docs, its JSON at /docs-json. */
export function setUpApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat backend REST API')
      .setDescription(
        'Health, metrics, logout, the admin moderation API and the server API for backend services (docs/INTEGRATIONS.md). Socket.IO events are described in docs/EVENTS.md; the same events over a plain WebSocket (GET /ws) in docs/INTEGRATIONS.md.',
      )
      .setVersion('1.0')
      .addBearerAuth()
      .addGlobalParameters({
        name: REQUEST_ID_HEADER,
        in: 'header',
        required: false,
        description:
          "Names the request in the node's logs (1-128 of A-Z a-z 0-9 . _ : -); otherwise a UUID is made. Either way it is echoed in the response header of the same name.",
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      })
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'One of SERVER_API_KEYS (server API only); an entry `scope+scope@key` allows only those scopes: publish, notify, presence, disconnect',
        },
        API_KEY_SECURITY,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
