import { ArmaloWebhooksModule } from '@armalo-webhooks/nestjs';
import { Controller, Get, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScoreListener } from './listeners.js';

@Controller()
class HealthController {
  @Get('health')
  health() {
    return { ok: true };
  }
}

@Module({
  imports: [
    ConfigModule.forRoot(),
    // The secret from the environment (or .env) through ConfigService; the path is fixed here.
    ArmaloWebhooksModule.forRootAsync({
      path: '/webhooks/armalo',
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ secret: config.getOrThrow<string>('ARMALO_WEBHOOK_SECRET') }),
    }),
  ],
  controllers: [HealthController],
  providers: [ScoreListener],
})
export class AppModule {}
