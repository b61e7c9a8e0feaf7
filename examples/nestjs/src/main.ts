import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

if (!process.env.ARMALO_WEBHOOK_SECRET) {
  console.error('Set ARMALO_WEBHOOK_SECRET to the webhook secret Armalo returned when you created the webhook.');
  process.exit(1);
}
const app = await NestFactory.create(AppModule, { logger: ['log', 'warn', 'error'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log(`armalo-webhooks nestjs example listening on ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}`);
