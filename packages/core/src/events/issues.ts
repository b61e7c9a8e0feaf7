import type { StandardSchemaV1 } from './standard-schema.js';

/** A validation problem as an error answer lists it: a dotted path and a message. */
export interface Issue {
  path: string;
  message: string;
}

/** The first ten issues of a zod or Standard Schema failure, paths joined and clipped. */
export function formatIssues(
  issues: ReadonlyArray<{
    message: string;
    path?: ReadonlyArray<PropertyKey | StandardSchemaV1.PathSegment> | undefined;
  }>,
): Issue[] {
  return issues.slice(0, 10).map((issue) => ({
    path: clip(
      (issue.path ?? [])
        .map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment))
        .join('.'),
    ),
    message: issue.message,
  }));
}

/**
 * Event names and key paths come from the (signed) body: cut them short so that an error answer
 * stays a short JSON body whatever the body holds, never an echo of a megabyte-long name.
 */
export function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
