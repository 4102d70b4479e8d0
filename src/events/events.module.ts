import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppEvents } from './app-events.service';

/** Global: any feature may emit a domain event or declare a listener without importing the others. */
@Global()
@Module({ imports: [DiscoveryModule], providers: [AppEvents], exports: [AppEvents] })
export class EventsModule {}
