import { Injectable } from '@nestjs/common';
import { ContractError, notFound } from '../common/contract-error';
import { MessagePresenter } from '../attachments/message-presenter';
import { LegalHold } from '../holds/legal-hold';
import { LegalHolds, NewHold } from '../holds/legal-holds.service';
import { HeldDeletion, RoomStore } from '../rooms/room-store';
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
    const heldIds = (await this.rooms.heldDeletionIds(room)).filter(inRange);
    let heldNext = 0;
    const end = to === undefined ? '+' : String(to);
    let start = from === undefined ? '-' : String(from);
    for (;;) {
      const page = await this.rooms.range(room, start, end, EXPORT_PAGE_SIZE);
      const pageEnd = page.length < EXPORT_PAGE_SIZE ? undefined : page[page.length - 1].id;
      const heldUpTo = heldIds.slice(heldNext, pageEnd === undefined ? undefined : upperBound(heldIds, pageEnd, heldNext));
      heldNext += heldUpTo.length;
      const held = await this.rooms.heldDeletions(room, heldUpTo);
      for (const message of await this.presenter.presentAll(mergeById(page, held))) yield lines.line(message);
      if (pageEnd === undefined) break;
      start = `(${pageEnd}`;
    }
    yield lines.manifest({ room, from: from ?? null, to: to ?? null });
  }
}

/** The index after the last of `ids` (sorted) not greater than `id`, searching from `from`. */
function upperBound(ids: string[], id: string, from: number): number {
  let index = from;
  while (index < ids.length && compareStreamIds(ids[index], id) <= 0) index += 1;
  return index;
}

/** Two lists each in id order, as one. */
function mergeById(stored: RoomMessage[], held: HeldDeletion[]): RoomMessage[] {
  if (held.length === 0) return stored;
  return [...stored, ...held].sort((a, b) => compareStreamIds(a.id, b.id));
}
