export { createThrottledWarning, type ErrorEmitter, listenForErrors } from './client-errors.js';
export { withTimeout } from './with-timeout.js';
