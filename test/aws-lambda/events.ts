import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { LambdaWebhookEvent } from '@armalo-webhooks/aws-lambda';
import type { ALBResult, APIGatewayProxyResult } from 'aws-lambda';
import { expect } from 'vitest';
import type { WireRequest, WireResponse } from '../conformance/cases.js';

/** The AWS-sample-shaped events in fixtures/, each carrying a delivery signed with `whsec_test`. */
export const FIXTURES = [
  'apigw-rest-v1',
  'apigw-rest-v1-base64',
  'apigw-http-v2',
  'function-url',
  'alb',
  'alb-multi-value',
] as const;
export type FixtureName = (typeof FIXTURES)[number];

/** A fixture as loaded: loosely typed, so tests can reshape it before handing it over as an event. */
export interface FixtureEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  requestContext?: object;
  [field: string]: unknown;
}

export function loadFixture(name: FixtureName): FixtureEvent {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
}

/** `x-armalo-signature` -> `X-Armalo-Signature`: REST APIs pass header names in the client's case. */
const titleCase = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The body fields of an event. `base64` sources get every body base64-encoded (a REST API with
 * binary media types, a function URL). Text sources get UTF-8 text, as AWS passes JSON; a body
 * that is not valid UTF-8 goes base64 there too, since as text AWS would already have replaced
 * its bytes (that lossy case has its own test in pitfalls.test.ts, with its exact answer).
 */
function bodyFields(body: Buffer, base64: boolean) {
  return base64 || !isUtf8(body)
    ? { body: body.toString('base64'), isBase64Encoded: true }
    : { body: body.toString('utf8'), isBase64Encoded: false };
}

/** The last value of a header, which is what a single-value field of REST APIs and ALB keeps. */
const last = (value: string | string[]) => (Array.isArray(value) ? (value.at(-1) ?? '') : value);
/** Every value of a header, for `multiValueHeaders`. */
const all = (value: string | string[]) => ([] as string[]).concat(value);

/**
 * Turns a table request into an event of the fixture's source, shaped like the fixture. A repeated
 * header arrives the way each source passes it: every value in `multiValueHeaders` (REST APIs, and
 * ALB with multi-value headers on; REST APIs also put the last value in `headers`), joined with
 * commas (HTTP APIs and function URLs), or only its last value (ALB without multi-value headers,
 * which therefore skips the repeated-header rows: see conformance.test.ts).
 */
export function toEvent(name: FixtureName, request: WireRequest): LambdaWebhookEvent {
  const template = loadFixture(name);
  const base64 = name === 'apigw-rest-v1-base64' || name === 'function-url' || name === 'alb-multi-value';
  const entries = Object.entries(request.headers);
  const lower = entries.map(([k, v]) => [k.toLowerCase(), v] as const);
  const body = bodyFields(request.body, base64);
  if (name === 'apigw-rest-v1' || name === 'apigw-rest-v1-base64') {
    const title = entries.map(([k, v]) => [titleCase(k), v] as const);
    return {
      ...template,
      httpMethod: request.method,
      requestContext: { ...(template.requestContext as object), httpMethod: request.method },
      headers: Object.fromEntries(title.map(([k, v]) => [k, last(v)])),
      multiValueHeaders: Object.fromEntries(title.map(([k, v]) => [k, all(v)])),
      ...body,
    } as unknown as LambdaWebhookEvent;
  }
  if (name === 'apigw-http-v2' || name === 'function-url') {
    const context = template.requestContext as { http: object };
    return {
      ...template,
      routeKey: name === 'function-url' ? '$default' : `${request.method} /webhooks`,
      headers: {
        ...Object.fromEntries(lower.map(([k, v]) => [k, all(v).join(',')])),
        'content-length': String(request.body.byteLength),
      },
      requestContext: { ...context, http: { ...context.http, method: request.method } },
      ...body,
    } as unknown as LambdaWebhookEvent;
  }
  if (name === 'alb') {
    const headers = Object.fromEntries(lower.map(([k, v]) => [k, last(v)]));
    return { ...template, httpMethod: request.method, headers, ...body } as unknown as LambdaWebhookEvent;
  }
  const multiValueHeaders = Object.fromEntries(lower.map(([k, v]) => [k, all(v)]));
  return { ...template, httpMethod: request.method, multiValueHeaders, ...body } as unknown as LambdaWebhookEvent;
}

/**
 * Reads a handler's result back into the table's shape, checking first that it is the shape the
 * source expects: a string body never base64, `statusDescription` for ALB, and for an ALB target
 * group with multi-value headers `multiValueHeaders` only (anything else is a 502 there).
 */
export function fromResult(name: FixtureName, result: unknown): WireResponse {
  const answer = result as APIGatewayProxyResult & ALBResult;
  expect(answer.isBase64Encoded).toBe(false);
  expect(typeof answer.body).toBe('string');
  if (name.startsWith('alb')) {
    expect(answer.statusDescription).toBe(`${answer.statusCode} ${STATUS_CODES[answer.statusCode]}`);
  } else {
    expect(answer).not.toHaveProperty('statusDescription');
  }
  let headers: Record<string, string | undefined>;
  if (name === 'alb-multi-value') {
    expect(answer).not.toHaveProperty('headers');
    headers = Object.fromEntries(Object.entries(answer.multiValueHeaders ?? {}).map(([k, v]) => [k, String(v[0])]));
  } else {
    expect(answer).not.toHaveProperty('multiValueHeaders');
    headers = Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k, String(v)]));
  }
  return { status: answer.statusCode, headers, body: JSON.parse(answer.body ?? '') };
}
