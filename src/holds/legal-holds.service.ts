import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { notFound } from '../common/contract-error';
import { HoldRepository } from './hold.repository';
import { HoldSet, LegalHold } from './legal-hold';

export type NewHold = Pick<LegalHold, 'room' | 'userId' | 'reason'>;

/**
 * Legal holds: what they cover is kept whatever asks to remove it (retention, a deletion by its author or an
 * admin, an erasure). Every remover asks `current()` right before it removes, so a hold placed before that read
 * is honoured; one placed while a removal is already under way may come too late for that removal.
 */
@Injectable()
export class LegalHolds {
  constructor(private readonly repository: HoldRepository) {}

  async place(hold: NewHold, createdBy: string): Promise<LegalHold> {
    const placed: LegalHold = { id: randomUUID(), ...hold, createdAt: Date.now(), createdBy };
    await this.repository.save(placed);
    return placed;
  }

  list(): Promise<LegalHold[]> {
    return this.repository.all();
  }

  async release(id: string): Promise<void> {
    if (!(await this.repository.remove(id))) throw notFound(`hold ${id}`);
  }

  async current(): Promise<HoldSet> {
    return new HoldSet(await this.repository.all());
  }

  /** A message of the room went to its held deletions: the retention sweeper looks there once no hold covers it. */
  noteHeldDeletions(room: string): Promise<void> {
    return this.repository.noteHeldDeletions(room);
  }

  roomsWithHeldDeletions(): Promise<string[]> {
    return this.repository.roomsWithHeldDeletions();
  }

  forgetHeldDeletions(room: string): Promise<void> {
    return this.repository.forgetHeldDeletions(room);
  }
}
