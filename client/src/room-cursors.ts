import type { StoredMessage } from './contract';
import { FIRST_MESSAGE_CURSOR, isAfter } from './message-ids';

/** Live messages of a room kept back while its catch-up is read; one per catch-up, so a stale one is told apart. */
export interface Hold {
  readonly messages: StoredMessage[];
}

interface RoomCursor {
  /** The last id handed over: to the handlers, as the caller's own send, or in a join's result. */
  lastId: string;
  /** Joined by a `join` still waiting for its answer: not to be joined again after a reconnection yet. */
  isJoining: boolean;
  hold?: Hold;
  /** Ids of this client's own sends newer than `lastId`: their promise handed them over, the handlers must not. */
  sentIds: Set<string>;
}

/**
 * What the `message` handlers were given in each joined room. The cursor is gap-free: a message is handed over
 * only when it is newer than the last one, and the server delivers a room's messages in id order, so every
 * message up to the cursor was handed over and a catch-up from it misses nothing. A live message that is not
 * newer is a repeat (catch-up and live delivery overlap) and is dropped.
 */
export class RoomCursors {
  private readonly byRoom = new Map<string, RoomCursor>();

  constructor(private readonly handOver: (message: StoredMessage) => void) {}

  /** Rooms to join again after a reconnection. */
  get rooms(): string[] {
    return [...this.byRoom].filter(([, cursor]) => !cursor.isJoining).map(([room]) => room);
  }

  has(room: string): boolean {
    return this.byRoom.has(room);
  }

  /** The `since` of a rejoin. */
  cursorOf(room: string): string | undefined {
    return this.byRoom.get(room)?.lastId;
  }

  /** A first join is under way: its room's live messages wait until its result tells where the room stood. */
  beginJoin(room: string): Hold | undefined {
    if (this.byRoom.has(room)) return undefined;
    const hold: Hold = { messages: [] };
    this.byRoom.set(room, { lastId: FIRST_MESSAGE_CURSOR, isJoining: true, hold, sentIds: new Set() });
    return hold;
  }

  /** The join's result went to its caller: the cursor stands at its newest message (at the start in an empty room). */
  completeJoin(room: string, messages: StoredMessage[]): void {
    const cursor = this.byRoom.get(room);
    if (!cursor) return;
    cursor.isJoining = false;
    const newest = messages.at(-1)?.id;
    if (newest !== undefined) this.advance(cursor, newest);
  }

  /** A first join failed: the room is not joined. */
  abandonJoin(room: string): void {
    if (this.byRoom.get(room)?.isJoining) this.byRoom.delete(room);
  }

  forget(room: string): void {
    this.byRoom.delete(room);
  }

  /** Keeps the room's live messages back from now on, until `release` with the hold returned (an earlier one lapses). */
  hold(room: string): Hold | undefined {
    const cursor = this.byRoom.get(room);
    if (!cursor) return undefined;
    cursor.hold = { messages: [] };
    return cursor.hold;
  }

  /** Hands over, in the order given (the server's id order), the messages newer than the room's cursor. */
  catchUp(room: string, messages: StoredMessage[]): void {
    const cursor = this.byRoom.get(room);
    if (!cursor) return;
    for (const message of messages) this.handOverIfNew(cursor, message);
  }

  /** The catch-up is done: the messages held meanwhile follow it, those it already handed over dropped. */
  release(room: string, hold: Hold): void {
    const cursor = this.byRoom.get(room);
    if (!cursor || cursor.hold !== hold) return;
    cursor.hold = undefined;
    for (const message of hold.messages) this.handOverIfNew(cursor, message);
  }

  /** A live `message` event. Outside joined rooms (a DM room the user never joined) there is no cursor to keep. */
  receive(message: StoredMessage): void {
    const cursor = this.byRoom.get(message.room);
    if (!cursor) this.handOver(message);
    else if (cursor.hold) cursor.hold.messages.push(message);
    else this.handOverIfNew(cursor, message);
  }

  /**
   * The client's own message, as its send resolved: the server does not echo it to the sending connection, but a
   * catch-up after a reconnection returns it, and the cursor must pass it without handing it over twice.
   */
  noteSent(message: StoredMessage): void {
    const cursor = this.byRoom.get(message.room);
    if (cursor && isAfter(message.id, cursor.lastId)) cursor.sentIds.add(message.id);
  }

  private handOverIfNew(cursor: RoomCursor, message: StoredMessage): void {
    if (!isAfter(message.id, cursor.lastId)) return;
    const isOwn = cursor.sentIds.has(message.id);
    this.advance(cursor, message.id);
    if (!isOwn) this.handOver(message);
  }

  private advance(cursor: RoomCursor, id: string): void {
    if (!isAfter(id, cursor.lastId)) return;
    cursor.lastId = id;
    for (const sentId of cursor.sentIds) if (!isAfter(sentId, id)) cursor.sentIds.delete(sentId);
  }
}
