export { createLoggerSlot, createThrottledWarning, type ErrorEmitter, listenForErrors } from './client-errors.js';
