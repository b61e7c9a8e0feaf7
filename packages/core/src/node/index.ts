export {
  createNodeHandler,
  type HandleNodeRequestOptions,
  handleNodeRequest,
  writeNodeResult,
} from './handler.js';
export { type ReadBodyOutcome, type ReadNodeBodyOptions, readNodeBody } from './read-body.js';
export { type BodyForOutcome, readBodyFor } from './read-body-for.js';
