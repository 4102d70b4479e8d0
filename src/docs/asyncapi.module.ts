import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AsyncApiController } from './asyncapi.controller';

@Module({ imports: [DiscoveryModule], controllers: [AsyncApiController] })
export class AsyncApiModule {}
