import { Module } from '@nestjs/common';
import { AccessPolicy } from './access-policy';
import { RoomStore } from './room-store';
import { UserRoomsRepository } from './user-rooms.repository';

/** The room keyspace (its one store, shared by every feature that reads or writes a room), each user's rooms, and who may do what in a room. */
@Module({ providers: [RoomStore, UserRoomsRepository, AccessPolicy], exports: [RoomStore, UserRoomsRepository, AccessPolicy] })
export class RoomsModule {}
