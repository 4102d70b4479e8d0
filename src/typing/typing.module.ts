import { Module } from '@nestjs/common';
import { TypingGateway } from './typing.gateway';
import { TypingService } from './typing.service';

@Module({ providers: [TypingGateway, TypingService] })
export class TypingModule {}
