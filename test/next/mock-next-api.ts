import { EventEmitter, once } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ApiHandler } from '@armalo-webhooks/next/pages';

type NextApiRequest = Parameters<ApiHandler>[0];
type NextApiResponse = Parameters<ApiHandler>[1];

/** Fields Node's HTTP parser keeps only the first value of (a subset of its list). */
const SINGLE_VALUE = new Set(['content-type', 'content-length', 'authorization', 'host', 'user-agent']);

/**
 * A NextApiRequest as the Pages Router hands it to a route: a readable stream of the body with
 * method and headers, plus `body` when Next's parser ran (which it does unless the route's config
 * says `bodyParser: false`).
 */
export async function mockApiRequest(options: {
  method: string;
  /** A repeated header is kept the way Node keeps it: the first value of a single-value field, else joined. */
  headers: Record<string, string | string[]>;
  chunks: Uint8Array[];
  /** Mimics Next's body parser: the stream is drained and `req.body` holds what it parsed. */
  parsedBody?: unknown;
  /** A stream that never ends (only meaningful with `parsedBody`, to prove nothing waits on it). */
  endless?: boolean;
  /** Something read the whole stream first and left no `req.body`. */
  drained?: boolean;
}): Promise<NextApiRequest> {
  const chunks = [...options.chunks];
  const stream = new Readable({
    read() {
      if (options.endless) return;
      this.push(chunks.length > 0 ? Buffer.from(chunks.shift() as Uint8Array) : null);
    },
  });
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(options.headers)) {
    const lower = name.toLowerCase();
    headers[lower] = Array.isArray(value) ? (SINGLE_VALUE.has(lower) ? value[0] : value.join(', ')) : value;
  }
  const req = Object.assign(stream, { method: options.method, headers, url: '/api/webhooks/armalo', complete: false });
  stream.once('end', () => {
    req.complete = true;
  });
  if (options.drained) {
    stream.resume();
    await once(stream, 'end');
  }
  if ('parsedBody' in options) {
    if (!options.endless) {
      // Like Next's parser: the whole stream is read before the route handler is called.
      stream.resume();
      await once(stream, 'end');
    }
    Object.assign(req, { body: options.parsedBody });
  }
  return req as unknown as NextApiRequest;
}

/** What the handler wrote. */
export interface Written {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A NextApiResponse that records `writeHead` and `end`, the calls core's Node writer makes. */
export function mockApiResponse(): { res: NextApiResponse; written: Promise<Written> } {
  const emitter = new EventEmitter();
  let resolve: (value: Written) => void = () => {};
  const written = new Promise<Written>((r) => {
    resolve = r;
  });
  let status = 200;
  const headers: Record<string, string> = {};
  const res = Object.assign(emitter, {
    headersSent: false,
    writableEnded: false,
    destroyed: false,
    socket: null,
    writeHead(code: number, outgoing?: OutgoingHttpHeaders) {
      status = code;
      for (const [name, value] of Object.entries(outgoing ?? {})) headers[name.toLowerCase()] = String(value);
      res.headersSent = true;
      return res;
    },
    end(chunk?: string) {
      res.writableEnded = true;
      resolve({ status, headers, body: chunk ?? '' });
      emitter.emit('finish');
      return res;
    },
  });
  return { res: res as unknown as NextApiResponse, written };
}
