import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DemoPageController } from './demo-page.controller';
import { DemoSettingsController, DemoTokenController, isDevelopmentSignInEnabled } from './demo-token.controller';

/** GET /demo: the web client. POST /demo/token is registered only where development sign-in is allowed. */
@Module({})
export class DemoModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DemoModule,
      controllers: [DemoPageController, DemoSettingsController, ...(isDevelopmentSignInEnabled(config) ? [DemoTokenController] : [])],
    };
  }
}
