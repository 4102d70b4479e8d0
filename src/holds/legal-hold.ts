/** A hold on a room or on a user's messages: while it stands, nothing it covers is removed for good. */
export interface LegalHold {
  id: string;
  room?: string;
  userId?: string;
  reason: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The admin who placed it (the token's `sub`). */
  createdBy: string;
}

/** The holds in force, asked about one message or one user at a time. */
export class HoldSet {
  private readonly rooms = new Set<string>();
  private readonly users = new Set<string>();

  constructor(readonly holds: LegalHold[]) {
    for (const hold of holds) {
      if (hold.room !== undefined) this.rooms.add(hold.room);
      if (hold.userId !== undefined) this.users.add(hold.userId);
    }
  }

  isRoomHeld(room: string): boolean {
    return this.rooms.has(room);
  }

  isUserHeld(userId: string): boolean {
    return this.users.has(userId);
  }

  /** A message is held by a hold on its room or on its author. */
  coversMessage(room: string, authorId: string): boolean {
    return this.rooms.has(room) || this.users.has(authorId);
  }

  heldRooms(): string[] {
    return [...this.rooms];
  }

  /** The users held, for a script that decides per message by its author. */
  heldUsers(): string[] {
    return [...this.users];
  }
}
