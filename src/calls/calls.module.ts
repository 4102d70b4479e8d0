import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RoomsModule } from '../rooms/rooms.module';
import { CallGateway } from './call.gateway';
import { CallRepository } from './call.repository';
import { CallService } from './call.service';

@Module({
  imports: [AuthModule, RoomsModule],
  providers: [CallService, CallRepository, CallGateway],
})
export class CallsModule {}
