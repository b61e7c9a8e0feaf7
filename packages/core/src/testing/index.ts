export { sampleData } from './samples.js';
export { createSignedDelivery, type SignedDelivery, type SignedDeliveryOptions, sign } from './signed-delivery.js';
