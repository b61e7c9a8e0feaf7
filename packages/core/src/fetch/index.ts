export { createFetchHandler, type HandleFetchRequestOptions, handleFetchRequest, toResponse } from './handler.js';
export { type ReadRequestBodyOptions, type ReadRequestBodyOutcome, readRequestBody } from './read-body.js';
