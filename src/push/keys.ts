/** Both keys of a user share the `{user:<id>}` hash tag: the subscribe script touches them together. */
export const pushKeys = (userId: string) => ({
  /** endpoint -> the subscription as JSON */
  subscriptions: `push:{user:${userId}}:subscriptions`,
  /** endpoint scored by when it was (re)subscribed: which one to drop when the user has too many */
  order: `push:{user:${userId}}:order`,
});

/** The BullMQ queue of pushes: one job per (message, subscription). */
export const PUSH_QUEUE = 'push';
