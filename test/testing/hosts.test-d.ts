// The test kit's shapes are written out in core, which depends on no host; these checks keep them
// assignable to what each host's own types take.
import type { LambdaWebhookEvent } from '@armalo-webhooks/aws-lambda';
import type { InjectOptions, LambdaHttpEvent } from '@armalo-webhooks/core/testing';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { InjectOptions as FastifyInjectOptions } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';

describe('the test kit shapes fit the hosts', () => {
  it('toLambdaEvent() is an APIGatewayProxyEventV2, which the aws-lambda handler takes', () => {
    expectTypeOf<LambdaHttpEvent>().toExtend<APIGatewayProxyEventV2>();
    expectTypeOf<LambdaHttpEvent>().toExtend<LambdaWebhookEvent>();
  });

  it("toInject() is Fastify's inject options", () => {
    expectTypeOf<InjectOptions>().toExtend<FastifyInjectOptions>();
  });
});
