export { createProgram, runCli } from './cli.js';
export { type Diagnosis, diagnoseSignature, type Finding, type FindingCode } from './diagnose.js';
export { CliError } from './errors.js';
export { resolveEventName } from './event-names.js';
export { type Inspector, type InspectorOptions, startInspector } from './inspector/server.js';
export type { CliIo } from './io.js';
export { resolveSecrets, SECRET_ENV, type SecretSource } from './secrets.js';
export {
  type BuildDeliveryOptions,
  buildDelivery,
  classifyResponse,
  type Delivery,
  type DeliveryResponse,
  type Outcome,
  type PostOptions,
  postDelivery,
  type SendOptions,
  type SendReport,
  sendDelivery,
} from './send.js';
