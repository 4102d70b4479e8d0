/** Read receipts live in the room's slot (`{room}`), beside the stream their ids point into. */
export const receiptKeys = {
  /** Hash: userId -> id of the last message the user has read in the room. */
  lastRead: (room: string) => `chat:{${room}}:last-read`,
};
