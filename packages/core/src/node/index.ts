export {
  createNodeHandler,
  type HandleNodeRequestOptions,
  handleNodeRequest,
  writeNodeResult,
} from './handler.js';
export { type ReadBodyOutcome, type ReadNodeBodyOptions, readNodeBody } from './read-body.js';
