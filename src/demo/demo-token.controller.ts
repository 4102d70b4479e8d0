import { Body, Controller, Get, Inject, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RestValidationPipe } from '../common/rest-validation.pipe';
import { DemoOriginGuard } from './demo-origin.guard';
import { DemoSignInDto } from './dto/demo-sign-in.dto';

const DEMO_TOKEN_TTL_SEC = 12 * 3600;

/**
 * Development sign-in by name for the demo page: the node signs with its own generated secret, so this exists
 * only on a development node without a configured key (see DemoModule), and answers only the node's own page
 * (DemoOriginGuard). A production page asks for a token.
 */
@ApiExcludeController()
@Controller('demo')
@UsePipes(RestValidationPipe)
export class DemoTokenController {
  private readonly jwt: JwtService;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { secret, issuer, audience } = config.jwt;
    // jsonwebtoken refuses options present with an undefined value
    this.jwt = new JwtService({ secret, signOptions: { algorithm: 'HS256', ...(issuer && { issuer }), ...(audience && { audience }) } });
  }

  @Post('token')
  @UseGuards(DemoOriginGuard)
  signIn(@Body() { name, admin }: DemoSignInDto): { token: string; userId: string } {
    const userId = name.trim().toLowerCase().replace(/\s+/g, '-');
    const token = this.jwt.sign({ sub: userId, name: name.trim(), roles: admin ? ['admin'] : [], jti: randomUUID() }, { expiresIn: DEMO_TOKEN_TTL_SEC });
    return { token, userId };
  }
}

/** Tells the page which sign-in to show, and the key to subscribe to Web Push with (null: push is off). */
@ApiExcludeController()
@Controller('demo')
export class DemoSettingsController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('settings.json')
  settings(): { signIn: 'name' | 'token'; vapidPublicKey: string | null } {
    return { signIn: isDevelopmentSignInEnabled(this.config) ? 'name' : 'token', vapidPublicKey: this.config.push.vapid?.publicKey ?? null };
  }
}

export const isDevelopmentSignInEnabled = (config: AppConfig): boolean => config.env !== 'production' && config.jwt.isGeneratedSecret === true;
