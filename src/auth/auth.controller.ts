import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthService } from './auth.service';
import { HttpAuthGuard } from './http-auth.guard';
import type { AuthenticatedRequest } from './http-auth.guard';

@Controller('auth')
@UseGuards(HttpAuthGuard)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** This token is refused from now until it expires, and its connections on every node are closed. */
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: AuthenticatedRequest): Promise<void> {
    await this.auth.logout(request.user);
  }
}
