/**
 * Bounded autocannon runs against `url`; each refuses the run if any answer was not a 2xx, so a
 * broken server can never look fast.
 */
import { uniqueRequest } from './fixtures.js';

/** One run of the same signed `delivery` over and over. */
export async function load(url, delivery, seconds, connections) {
  return run(url, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
    connections,
    duration: seconds,
  });
}

/** Like `load`, with a new signed 300 B delivery per request (fixtures.js uniqueRequest). */
export async function loadUnique(url, path, seconds, connections) {
  return run(url, { connections, duration: seconds, requests: [uniqueRequest({ path })] });
}

async function run(url, options) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, ...options });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
