export {
  createLambdaHandler,
  type LambdaContext,
  type LambdaWebhookEvent,
  type LambdaWebhookHandler,
} from './handler.js';
