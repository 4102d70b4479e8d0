/**
 * Keys of the moderation module. A mute lives under the room's key (`roomKeys.mute`), because the send script
 * checks it in the room's slot; the known-user marker shares the `{u:<id>}` tag with the user's access state.
 */
export const moderationKeys = {
  /** Epoch ms of the user's latest admitted handshake: the user exists for the admin API. */
  knownUser: (userId: string) => `moderation:{u:${userId}}:seen`,
};
