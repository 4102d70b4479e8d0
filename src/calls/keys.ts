/** Every Redis key of calls. A call's key carries its id as hash tag: one key per call, in a slot of its own. */
export const callKeys = {
  /** String: the two users of the call's invite, `<lower id> <higher id>` (user ids hold no whitespace). */
  parties: (callId: string) => `call:{${callId}}:parties`,
};
