export type { LambdaEventOptions, LambdaHttpEvent } from './lambda-event.js';
export { sampleData } from './samples.js';
export {
  createSignedDelivery,
  createUncheckedDelivery,
  type InjectOptions,
  type SignedDelivery,
  type SignedDeliveryOptions,
  sign,
} from './signed-delivery.js';
