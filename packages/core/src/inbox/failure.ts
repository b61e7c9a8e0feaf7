import type { InboxFailure } from './types.js';

const STACK_LINES = 10;

/** The last error as the inbox keeps it: a code, the message, and the first lines of the stack. */
export function describeFailure(error: unknown, attempt: number): InboxFailure {
  const failure: InboxFailure = { code: 'HANDLER_FAILED', message: String(error), attempt };
  if (error instanceof Error) {
    failure.message = error.message;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') failure.code = code;
    if (typeof error.stack === 'string') failure.stack = error.stack.split('\n').slice(0, STACK_LINES).join('\n');
  }
  return failure;
}
