import { Controller, Get, OnApplicationBootstrap } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ClientEvent } from '../common/contract';
import { ClientEventRouter } from '../realtime/client-event-router';
import { buildAsyncApiDocument } from './asyncapi-document';

/** GET /docs/asyncapi.json, beside the OpenAPI UI: built once at start-up from the handlers and DTOs of this node. */
@ApiExcludeController()
@Controller('docs')
export class AsyncApiController implements OnApplicationBootstrap {
  private document: Record<string, unknown>;

  constructor(private readonly router: ClientEventRouter) {}

  onApplicationBootstrap(): void {
    const payloadDtos = new Map<string, Function>();
    for (const event of Object.values(ClientEvent)) {
      const dto = this.router.payloadTypeOf(event);
      if (dto) payloadDtos.set(event, dto);
    }
    this.document = buildAsyncApiDocument(payloadDtos, '1.0');
  }

  @Get('asyncapi.json')
  asyncApi(): Record<string, unknown> {
    return this.document;
  }
}
