import { Module } from '@nestjs/common';
import { HoldRepository } from './hold.repository';
import { LegalHolds } from './legal-holds.service';

/** Legal holds, below every feature that removes messages or user data, so that each of them asks before it removes. */
@Module({ providers: [HoldRepository, LegalHolds], exports: [LegalHolds] })
export class HoldsModule {}
