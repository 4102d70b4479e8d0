import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppEvents } from './app-events.service';

/** The domain-event bus; listeners anywhere in the application are found by their `@OnAppEvent` decorator. */
@Module({ imports: [DiscoveryModule], providers: [AppEvents], exports: [AppEvents] })
export class EventsModule {}
