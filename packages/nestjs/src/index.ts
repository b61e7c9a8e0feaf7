export { ArmaloWebhooksModule } from './module.js';
export { ARMALO_EVENT, OnArmaloEvent } from './on-armalo-event.js';
export {
  ARMALO_WEBHOOK_RECEIVER,
  type ArmaloWebhooksModuleAsyncOptions,
  type ArmaloWebhooksModuleOptions,
  type NestContext,
} from './options.js';
