import { Module } from '@nestjs/common';
import { RoomStore } from './room-store';

/** The room keyspace: its one store, shared by every feature that reads or writes a room. */
@Module({ providers: [RoomStore], exports: [RoomStore] })
export class RoomsModule {}
