import { STATUS_CODES } from 'node:http';
import type {} from '@armalo-webhooks/core';
import { type AnyWebhookReceiver, handleExchange } from '@armalo-webhooks/core/adapter';
import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

/**
 * The events the handler accepts: API Gateway REST APIs (payload 1.0), HTTP APIs (payload 2.0),
 * Lambda function URLs (the 2.0 shape) and Application Load Balancer target groups.
 *
 * @example
 * ```ts
 * const event: LambdaWebhookEvent = JSON.parse(await readFile('event.json', 'utf8'));
 * ```
 */
export type LambdaWebhookEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;

/**
 * `ctx.lambda` in handlers: the event as Lambda delivered it and the invocation context.
 *
 * @example
 * ```ts
 * webhooks.onAny((event, ctx) => console.log(ctx.lambda?.context?.awsRequestId));
 * ```
 */
export interface LambdaContext {
  readonly event: LambdaWebhookEvent;
  readonly context: Context | undefined;
}

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set when the delivery came through `@armalo-webhooks/aws-lambda`. */
    readonly lambda?: LambdaContext;
  }
}

/**
 * A Lambda handler that answers each event source in the shape it expects.
 *
 * @example
 * ```ts
 * export const handler: LambdaWebhookHandler = createLambdaHandler(webhooks);
 * ```
 */
export interface LambdaWebhookHandler {
  (event: ALBEvent, context?: Context): Promise<ALBResult>;
  (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2>;
  (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult>;
}

/**
 * A Lambda handler for one receiver, for API Gateway REST and HTTP APIs, function URLs and ALB
 * target groups alike (told apart by the event's shape). It hands core the body's exact bytes (a
 * base64 body for core to decode strictly, a text body encoded as UTF-8), the method (none is a
 * 405), the headers as the event carries them (any case, multi-value or joined), and returns
 * core's status, headers and JSON body in the source's result shape: an ALB answer has
 * `statusDescription`, and `multiValueHeaders` when the target group sends multi-value headers.
 *
 * @example
 * ```ts
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
 *
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   console.log(ctx.lambda?.context?.awsRequestId, event.data.compositeScore);
 * });
 *
 * export const handler = createLambdaHandler(webhooks);
 * ```
 */
export function createLambdaHandler(receiver: AnyWebhookReceiver): LambdaWebhookHandler {
  return (async (event: LambdaWebhookEvent, context?: Context) => {
    const text = event.body ?? '';
    const multiValueHeaders = 'multiValueHeaders' in event ? event.multiValueHeaders : undefined;
    const result = await handleExchange(receiver, {
      // An event without a method is not an HTTP request: '' is not POST, so core answers 405.
      method: ('httpMethod' in event ? event.httpMethod : event.requestContext?.http?.method) ?? '',
      headers: multiValueHeaders ?? event.headers ?? {},
      body: event.isBase64Encoded ? { kind: 'base64', text } : { kind: 'bytes', bytes: Buffer.from(text, 'utf8') },
      context: { lambda: { event, context } },
    });
    const answer = { statusCode: result.status, body: JSON.stringify(result.body), isBase64Encoded: false };
    if (!('elb' in (event.requestContext ?? {}))) return { ...answer, headers: result.headers };
    const statusDescription = `${result.status} ${STATUS_CODES[result.status] ?? ''}`.trimEnd();
    if (multiValueHeaders == null) return { ...answer, statusDescription, headers: result.headers };
    const multi = Object.fromEntries(Object.entries(result.headers).map(([name, value]) => [name, [value]]));
    return { ...answer, statusDescription, multiValueHeaders: multi };
  }) as LambdaWebhookHandler;
}
