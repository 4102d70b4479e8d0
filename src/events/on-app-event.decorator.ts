import { SetMetadata } from '@nestjs/common';
import type { AppEventName } from './app-events';

export const APP_EVENT_LISTENER = 'app-event-listener';

/** Declares a provider method a listener of a domain event; `AppEvents` finds it at start-up. */
export const OnAppEvent = (event: AppEventName) => SetMetadata(APP_EVENT_LISTENER, event);
