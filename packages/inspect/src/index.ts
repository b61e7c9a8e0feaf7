export { INSPECTOR_URL_ENV, type InspectOptions, inspect } from './inspect.js';
export { isLoopback } from './loopback.js';
export { type Observed, type ObservedAttempt, type ObservedExchange, observeInto } from './observed.js';
