/**
 * Who reacted with what, per message, in the room's slot (`{room}`) so that one script updates it and the
 * room's reaction-counts hash (which the chat read path merges into messages) together.
 */
export const reactionKeys = {
  /** Hash: `<emoji>\n<userId>` -> "1"; an emoji never holds a newline, so the field is unambiguous. */
  byUser: (room: string, messageId: string) => `chat:{${room}}:reactions:${messageId}`,
};
