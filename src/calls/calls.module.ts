import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CallGateway } from './call.gateway';
import { CallService } from './call.service';

@Module({
  imports: [AuthModule],
  providers: [CallService, CallGateway],
})
export class CallsModule {}
