/**
 * One bounded autocannon run of `delivery` against `url`; refuses the run if any answer was not a
 * 2xx, so a broken server can never look fast.
 */
import { uniqueRequest } from './fixtures.js';

export async function load(url, delivery, seconds, connections) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url,
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
    connections,
    duration: seconds,
  });
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

/** Like `load`, with a new signed 300 B delivery per request (fixtures.js uniqueRequest). */
export async function loadUnique(url, path, seconds, connections) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, connections, duration: seconds, requests: [uniqueRequest({ path })] });
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
