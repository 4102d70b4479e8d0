import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { REQUEST_ID_HEADER } from '../logging/http-logging';

/** OpenAPI UI at /docs, its JSON at /docs-json. */
export function setUpApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat backend REST API')
      .setDescription('Health, metrics, logout and the admin moderation API. Socket.IO events are described in docs/EVENTS.md; the same events over a plain WebSocket (GET /ws) in docs/INTEGRATIONS.md.')
      .setVersion('1.0')
      .addBearerAuth()
      .addGlobalParameters({
        name: REQUEST_ID_HEADER,
        in: 'header',
        required: false,
        description: 'Names the request in the node\'s logs (1-128 of A-Z a-z 0-9 . _ : -); otherwise a UUID is made. Either way it is echoed in the response header of the same name.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
