import { Controller, Get, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { buildAsyncApiDocument } from './asyncapi-document';
import { isValidatedDto } from './asyncapi-dto-schema';
import { CLIENT_EVENT_HANDLER, type ClientEventRoute } from '../realtime/on-client-event.decorator';

/** GET /docs/asyncapi.json, beside the OpenAPI UI: built once at start-up from the handlers and DTOs of this node. */
@ApiExcludeController()
@Controller('docs')
export class AsyncApiController implements OnApplicationBootstrap {
  private document: Record<string, unknown>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    this.document = buildAsyncApiDocument(this.findPayloadDtos(), '1.0');
  }

  @Get('asyncapi.json')
  asyncApi(): Record<string, unknown> {
    return this.document;
  }

  /** Each `@OnClientEvent` handler's event and the validated DTO among its parameters. */
  private findPayloadDtos(): Map<string, Function> {
    const dtos = new Map<string, Function>();
    for (const { instance } of this.discovery.getProviders()) {
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const route: ClientEventRoute | undefined = Reflect.getMetadata(CLIENT_EVENT_HANDLER, prototype[method]);
        if (!route) continue;
        const parameterTypes: unknown[] = Reflect.getMetadata('design:paramtypes', prototype, method) ?? [];
        const dto = parameterTypes.find(isValidatedDto);
        if (dto) dtos.set(route.event, dto);
      }
    }
    return dtos;
  }
}
