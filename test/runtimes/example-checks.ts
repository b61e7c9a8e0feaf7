import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { expect } from 'vitest';

/**
 * What every example must do over HTTP: accept a signed delivery and run its handler, acknowledge
 * the retry as a duplicate, refuse a tampered copy, and answer other methods with the JSON 405.
 */
export async function checkExample(url: string, secret: string, output: () => string): Promise<void> {
  const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), { secret });
  const post = (body: string) => fetch(url, { method: 'POST', headers: delivery.headers, body });
  const first = await post(delivery.body);
  expect([first.status, await first.json()]).toEqual([200, { ok: true }]);
  const again = await post(delivery.body);
  expect([again.status, await again.json()]).toEqual([200, { ok: true, duplicate: true }]);
  const tampered = await post(delivery.body.replace('862', '962'));
  expect([tampered.status, ((await tampered.json()) as { code: string }).code]).toEqual([401, 'INVALID_SIGNATURE']);
  const get = await fetch(url);
  expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  await expect.poll(output).toContain('score changed');
}
