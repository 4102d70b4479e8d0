/**
 * Socket.IO rooms used for addressing, apart from chat rooms. Their `~` cannot appear in a chat room name,
 * so joining a chat room can never subscribe anyone to another user's or connection's channel.
 */
export const userChannel = (userId: string) => `~user:${userId}`;
export const tokenChannel = (jti: string) => `~token:${jti}`;
/**
 * A connection's id, which Socket.IO also uses as the room of that one socket. Socket.IO's own ids are 20
 * characters of `A-Z a-z 0-9 _ -`, valid room names: a client could send into, leave or join a connection's
 * private room. The `~` makes every connection id an invalid room name.
 */
export const connectionIdOf = (socketIoId: string) => `~c:${socketIoId}`;
