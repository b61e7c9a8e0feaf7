import type { BodyRead, NodeBodyStream, ReadLimits } from './types.js';

/**
 * `#node-body` on edge runtimes (Workers, Vercel Edge, browsers), which have no Node streams and
 * must not bundle the Node reader: a `node` body there is an adapter bug, answered as an internal error.
 */
export function readNodeStream(_stream: NodeBodyStream, _limits: ReadLimits): Promise<BodyRead> {
  return Promise.reject(new TypeError('armalo-webhooks: Node request streams cannot be read on this runtime'));
}
