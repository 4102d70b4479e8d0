import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { RoomsModule } from '../rooms/rooms.module';
import { AccessRepository } from './access.repository';
import { ApiKeyVerifier } from './api-key-verifier';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { HttpAuthGuard } from './http-auth.guard';
import { SessionGateway } from './session.gateway';
import { SessionLifetime } from './session-lifetime.service';
import { SessionService } from './session.service';
import { TokenVerifier } from './token-verifier.service';

@Module({
  imports: [JwtModule.register({}), AuditModule, EventsModule, RoomsModule],
  controllers: [AuthController],
  providers: [AccessRepository, TokenVerifier, SessionService, SessionLifetime, SessionGateway, AuthService, HttpAuthGuard, ApiKeyVerifier],
  exports: [AccessRepository, TokenVerifier, SessionService, SessionLifetime, HttpAuthGuard, ApiKeyVerifier],
})
export class AuthModule {}
