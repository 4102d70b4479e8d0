import { join } from 'node:path';
import { defineScripts, script } from '../redis/scripts';

/** The subscription script (`scripts/save-subscription.lua`). */
export const pushScripts = defineScripts(join(__dirname, 'scripts'), {
  saveSubscription: script<[subscriptions: string, order: string], [endpoint: string, subscription: string, now: number, maxPerUser: number], 1>({
    file: 'save-subscription.lua',
  }),
});
