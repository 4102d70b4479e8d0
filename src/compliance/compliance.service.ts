import { Injectable } from '@nestjs/common';
import { ContractError, notFound } from '../common/contract-error';
import { PushService } from '../push/push.service';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { MessagePresenter } from '../attachments/message-presenter';
import { LegalHold } from '../holds/legal-hold';
import { LegalHolds, NewHold } from '../holds/legal-holds.service';
import { RoomStore } from '../rooms/room-store';
import { RoomMessage } from '../rooms/message.codec';
import { compareStreamIds, timeOfStreamId } from '../redis/stream-ids';
import { ComplianceRepository } from './compliance.repository';
import { DigestedLines } from './ndjson-export';

/** Messages read per round trip of an export: what an export holds in memory at once. */
export const EXPORT_PAGE_SIZE = 200;

export interface RoomExportRange {
  room: string;
  /** Epoch ms, inclusive; undefined: from the first message. */
  from?: number;
  /** Epoch ms, inclusive; undefined: to the last message. */
  to?: number;
}

/** Retention policies, legal holds and exports for records managers (docs/COMPLIANCE.md). */
@Injectable()
export class ComplianceService {
  constructor(
    private readonly repository: ComplianceRepository,
    private readonly holds: LegalHolds,
    private readonly rooms: RoomStore,
    private readonly presenter: MessagePresenter,
    private readonly userRooms: UserRoomsRepository,
    private readonly push: PushService,
  ) {}

  async setRetention(room: string, maxAgeSeconds: number): Promise<{ room: string; maxAgeSeconds: number }> {
    await this.repository.setRetention(room, maxAgeSeconds);
    return { room, maxAgeSeconds };
  }

  async removeRetention(room: string): Promise<void> {
    if (!(await this.repository.removeRetention(room))) throw notFound(`retention policy of room ${room}`);
  }

  placeHold(hold: NewHold, createdBy: string): Promise<LegalHold> {
    if ((hold.room === undefined) === (hold.userId === undefined)) {
      const problem = 'name exactly one of room and userId';
      throw new ContractError('validation_failed', problem, { fields: { room: [problem], userId: [problem] } });
    }
    return this.holds.place(hold, createdBy);
  }

  async listHolds(): Promise<{ holds: LegalHold[] }> {
    return { holds: await this.holds.list() };
  }

  releaseHold(id: string): Promise<void> {
    return this.holds.release(id);
  }

  /**
   * Every stored message of the room in the range, oldest first, held deletions included (with `deleted`,
   * `deletedAt`, `deletedBy`), as NDJSON lines, then the manifest. A page at a time: the caller writes each line
   * before the next page is read.
   */
  async *exportRoom({ room, from, to }: RoomExportRange): AsyncGenerator<string> {
    const lines = new DigestedLines();
    const inRange = (id: string) => (from === undefined || timeOfStreamId(id) >= from) && (to === undefined || timeOfStreamId(id) <= to);
    const kept = await KeptOutsideTheStream.of(this.rooms, room, inRange);
    const end = to === undefined ? '+' : String(to);
    let start = from === undefined ? '-' : String(from);
    for (;;) {
      const page = await this.rooms.range(room, start, end, EXPORT_PAGE_SIZE);
      const pageEnd = page.length < EXPORT_PAGE_SIZE ? undefined : page[page.length - 1].id;
      const messages = mergeById(page, await kept.upTo(pageEnd));
      for (const message of await this.presenter.presentAll(messages)) yield lines.line(message);
      if (pageEnd === undefined) break;
      start = `(${pageEnd}`;
    }
    yield lines.manifest({ room, from: from ?? null, to: to ?? null });
  }

  /**
   * Everything stored about the user, as `{ type, ... }` NDJSON lines: each message the user wrote (`message`, held
   * deletions included), `reaction`, `receipt`, `room` for each room held, `pushSubscription` (endpoint only),
   * `attachment`; then the manifest. Rooms are those the user holds or wrote in.
   */
  async *exportUser(userId: string): AsyncGenerator<string> {
    const lines = new DigestedLines();
    const [touched, held, endpoints] = await Promise.all([
      this.userRooms.roomsTouchedBy(userId),
      this.userRooms.roomsOf(userId),
      this.push.endpointsOf(userId),
    ]);
    for (const room of touched.sort()) {
      for await (const message of this.messagesBy(room, userId)) {
        yield lines.line({ type: 'message', ...message });
        for (const attachment of message.attachments ?? []) yield lines.line({ type: 'attachment', room, messageId: message.id, ...attachment });
      }
      for (const reaction of await this.rooms.reactionsOf(room, userId)) yield lines.line({ type: 'reaction', ...reaction });
      const lastReadId = await this.rooms.lastReadOf(room, userId);
      if (lastReadId !== null) yield lines.line({ type: 'receipt', room, messageId: lastReadId });
    }
    for (const room of held.sort()) yield lines.line({ type: 'room', room });
    for (const endpoint of endpoints) yield lines.line({ type: 'pushSubscription', endpoint });
    yield lines.manifest({ userId });
  }

  /** Erasure is carried out by the sweeper within RETENTION_SWEEP_MS; refused while a hold covers the user. */
  async requestErasure(userId: string): Promise<{ userId: string }> {
    if ((await this.holds.current()).isUserHeld(userId)) throw new ContractError('held', `a legal hold covers user ${userId}: release it first`);
    await this.repository.requestErasure(userId, await this.userRooms.roomsTouchedBy(userId));
    return { userId };
  }

  /** The user's messages in the room, oldest first, with the held deletions among them. */
  private async *messagesBy(room: string, userId: string): AsyncGenerator<RoomMessage> {
    const held = await this.rooms.heldDeletions(room, await this.rooms.heldDeletionIds(room));
    let start = '-';
    for (;;) {
      const page = await this.rooms.range(room, start, '+', USER_EXPORT_PAGE_SIZE);
      const boundary = page.length < USER_EXPORT_PAGE_SIZE ? undefined : page[page.length - 1].id;
      const heldInPage = held.filter((message) => boundary === undefined || compareStreamIds(message.id, boundary) <= 0);
      held.splice(0, heldInPage.length);
      for (const message of mergeById(page, heldInPage)) if (message.userId === userId) yield message;
      if (boundary === undefined) return;
      start = `(${boundary}`;
    }
  }
}

/** Messages read per round trip while a user's export looks through a room. */
const USER_EXPORT_PAGE_SIZE = 200;
/**
 * The messages of a room that an export shows although the stream no longer holds them: held deletions and
 * tombstones, handed out in id order a stream page at a time.
 */
class KeptOutsideTheStream {
  private next = 0;

  private constructor(
    private readonly rooms: RoomStore,
    private readonly room: string,
    private readonly ids: { id: string; isTombstone: boolean }[],
  ) {}

  static async of(rooms: RoomStore, room: string, inRange: (id: string) => boolean): Promise<KeptOutsideTheStream> {
    const [held, tombstones] = await Promise.all([rooms.heldDeletionIds(room), rooms.tombstoneIds(room)]);
    const ids = [...held.map((id) => ({ id, isTombstone: false })), ...tombstones.map((id) => ({ id, isTombstone: true }))]
      .filter(({ id }) => inRange(id))
      .sort((a, b) => compareStreamIds(a.id, b.id));
    return new KeptOutsideTheStream(rooms, room, ids);
  }

  /** Those up to `boundary` (inclusive) not handed out yet; all that are left without a boundary. */
  async upTo(boundary: string | undefined): Promise<RoomMessage[]> {
    let end = this.next;
    while (end < this.ids.length && (boundary === undefined || compareStreamIds(this.ids[end].id, boundary) <= 0)) end += 1;
    const due = this.ids.slice(this.next, end);
    this.next = end;
    const [held, tombstones] = await Promise.all([
      this.rooms.heldDeletions(
        this.room,
        due.filter((entry) => !entry.isTombstone).map((entry) => entry.id),
      ),
      this.rooms.tombstones(
        this.room,
        due.filter((entry) => entry.isTombstone).map((entry) => entry.id),
      ),
    ]);
    return mergeById(held, tombstones);
  }
}

/** Two lists each in id order, as one. */
function mergeById(first: RoomMessage[], second: RoomMessage[]): RoomMessage[] {
  if (second.length === 0) return first;
  if (first.length === 0) return second;
  return [...first, ...second].sort((a, b) => compareStreamIds(a.id, b.id));
}
