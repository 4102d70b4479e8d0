import { Module } from '@nestjs/common';
import { RoomStore } from './room-store';
import { UserRoomsRepository } from './user-rooms.repository';

/** The room keyspace (its one store, shared by every feature that reads or writes a room) and each user's rooms. */
@Module({ providers: [RoomStore, UserRoomsRepository], exports: [RoomStore, UserRoomsRepository] })
export class RoomsModule {}
