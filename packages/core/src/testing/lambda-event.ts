/**
 * Options for `delivery.toLambdaEvent()`.
 *
 * @example
 * ```ts
 * const options: LambdaEventOptions = { path: '/webhooks/armalo', base64: true };
 * ```
 */
export interface LambdaEventOptions {
  /** `rawPath` and `requestContext.http.path`. Default: `'/'`. */
  path?: string;
  /** Send the body base64-encoded (`isBase64Encoded: true`), as function URLs do. Default: false. */
  base64?: boolean;
}

/**
 * An API Gateway HTTP API event, payload format 2.0 (the shape Lambda function URLs send too).
 * Written out here so the test kit needs no `@types/aws-lambda`; it is assignable to that
 * package's `APIGatewayProxyEventV2`.
 *
 * @example
 * ```ts
 * const event: LambdaHttpEvent = delivery.toLambdaEvent({ path: '/webhooks/armalo' });
 * ```
 */
export interface LambdaHttpEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body: string;
  isBase64Encoded: boolean;
}

/** The event a function URL would hand over for this request (header names lower-cased, as AWS does). */
export function toLambdaEvent(
  body: string,
  headers: Readonly<Record<string, string>>,
  options: LambdaEventOptions = {},
): LambdaHttpEvent {
  const path = options.path ?? '/';
  const base64 = options.base64 === true;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'test',
      domainName: 'test.lambda-url.us-east-1.on.aws',
      domainPrefix: 'test',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'armalo-webhooks-testing' },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  };
}
