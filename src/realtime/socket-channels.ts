/**
 * Socket.IO rooms used for addressing, apart from chat rooms. Their `~` cannot appear in a chat room name,
 * so joining a chat room can never subscribe anyone to another user's channel.
 */
export const userChannel = (userId: string) => `~user:${userId}`;
export const tokenChannel = (jti: string) => `~token:${jti}`;
