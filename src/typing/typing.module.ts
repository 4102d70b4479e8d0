import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { TypingGateway } from './typing.gateway';
import { TypingService } from './typing.service';

@Module({ imports: [RoomsModule], providers: [TypingGateway, TypingService] })
export class TypingModule {}
