/**
 * Settles like `promise`, or rejects after `ms`. A store call must answer promptly even while the
 * client queues commands for a server that is gone, so the receiver can answer 503 and the sender
 * retries. The late settlement of `promise` is still observed, so it never becomes an unhandled
 * rejection.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`armalo-webhooks/redis: ${operation} got no answer from Redis within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
