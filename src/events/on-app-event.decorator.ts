import { SetMetadata } from '@nestjs/common';
import type { AppEventName } from './app-events';

export const APP_EVENT_LISTENER = 'app-event-listener';

/**
 * Declares a provider method a listener of one or more domain events; `AppEvents` finds it at start-up and calls
 * it with the payload and the event's name.
 */
export const OnAppEvent = (...events: AppEventName[]) => SetMetadata(APP_EVENT_LISTENER, events);
