/**
 * Checks the `secret` option: one non-empty string, or a non-empty array of them while rotating
 * (current first). Secrets are numbered from #0, as `ctx.secretIndex` and `result.meta.secretIndex`
 * number them. Anything else throws a `TypeError` at startup, so that a misconfiguration never turns
 * into a verifier that accepts the wrong signatures: a `String` object or any other iterable would
 * otherwise be spread into one-character secrets.
 */
export function normalizeSecrets(secret: unknown): string[] {
  if (secret === undefined || secret === null) {
    throw new TypeError(
      `armalo-webhooks: the \`secret\` option is ${String(secret)}. Pass the webhook secret from your Armalo dashboard; if you read it from the environment, check that ARMALO_WEBHOOK_SECRET is set for this process.`,
    );
  }
  if (typeof secret !== 'string' && !Array.isArray(secret)) {
    throw new TypeError(
      `armalo-webhooks: the \`secret\` option must be a string or an array of strings, got ${describe(secret)}`,
    );
  }
  const secrets: unknown[] = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0) throw new TypeError('armalo-webhooks: the `secret` option is an empty array');
  secrets.forEach((value, index) => {
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(
        `armalo-webhooks: webhook secret #${index} must be a non-empty string, got ${describe(value)}`,
      );
    }
    if (value.trim() !== value) {
      throw new TypeError(
        `armalo-webhooks: webhook secret #${index} has leading or trailing whitespace; trim it where it is loaded`,
      );
    }
  });
  return secrets as string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return typeof value;
}
