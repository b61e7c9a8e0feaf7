import type { AnyHandler } from './run-handlers.js';

// `registration` numbers each on()/onAny() call, so that a handler registered once for patterns
// that overlap (['escrow.*', 'escrow.funded']) runs once per delivery, not once per pattern.
type Route =
  | { kind: 'exact'; name: string; handler: AnyHandler; registration: number }
  | { kind: 'prefix'; prefix: string; handler: AnyHandler; registration: number }
  | { kind: 'any'; handler: AnyHandler; registration: number };

/**
 * Handler registry. Handlers for a name are kept in registration order, whatever way they were
 * registered (exact, wildcard, any), and the list per name is computed once and cached.
 */
export class Router {
  readonly #routes: Route[] = [];
  readonly #unknown: AnyHandler[] = [];
  readonly #cache = new Map<string, readonly AnyHandler[]>();
  readonly #isKnown: (name: string) => boolean;
  readonly #knownNames: () => readonly string[];
  readonly #inWildcards: (name: string) => boolean;
  #registrations = 0;

  /** `inWildcards` says which known names prefix wildcards match (the receiver leaves legacy names out). */
  constructor(
    isKnown: (name: string) => boolean,
    knownNames: () => readonly string[],
    inWildcards: (name: string) => boolean = () => true,
  ) {
    this.#isKnown = isKnown;
    this.#knownNames = knownNames;
    this.#inWildcards = inWildcards;
  }

  add(pattern: string | readonly string[], handler: AnyHandler): void {
    if (typeof handler !== 'function') throw new TypeError('armalo-webhooks: on() needs a handler function');
    const patterns = typeof pattern === 'string' ? [pattern] : pattern;
    if (patterns.length === 0) throw new TypeError('armalo-webhooks: on() needs at least one event name');
    // Every pattern is checked before any is added: a rejected call registers nothing.
    const registration = ++this.#registrations;
    const routes = patterns.map((p) => this.#route(p, handler, registration));
    this.#routes.push(...routes);
    this.#cache.clear();
  }

  addAny(handler: AnyHandler): void {
    if (typeof handler !== 'function') throw new TypeError('armalo-webhooks: onAny() needs a handler function');
    this.#routes.push({ kind: 'any', handler, registration: ++this.#registrations });
    this.#cache.clear();
  }

  addUnknown(handler: AnyHandler): void {
    if (typeof handler !== 'function') throw new TypeError('armalo-webhooks: onUnknown() needs a handler function');
    this.#unknown.push(handler);
  }

  /** Handlers for a known name, in registration order. */
  handlersFor(name: string): readonly AnyHandler[] {
    let handlers = this.#cache.get(name);
    if (handlers === undefined) {
      const matched = new Set<number>();
      handlers = this.#routes
        .filter((route) => {
          const matches =
            route.kind === 'any' ||
            (route.kind === 'exact'
              ? route.name === name
              : route.kind === 'prefix' && name.startsWith(route.prefix) && this.#inWildcards(name));
          if (!matches || matched.has(route.registration)) return false;
          matched.add(route.registration);
          return true;
        })
        .map((route) => route.handler);
      this.#cache.set(name, handlers);
    }
    return handlers;
  }

  get unknownHandlers(): readonly AnyHandler[] {
    return this.#unknown;
  }

  #route(pattern: string, handler: AnyHandler, registration: number): Route {
    if (typeof pattern !== 'string') throw new TypeError('armalo-webhooks: event names must be strings');
    if (pattern.endsWith('.*')) {
      const prefix = pattern.slice(0, -1);
      const named = this.#knownNames().filter((name) => name.startsWith(prefix));
      if (!named.some((name) => this.#inWildcards(name))) {
        throw new TypeError(
          named.length === 0
            ? `armalo-webhooks: the wildcard '${pattern}' matches no known event`
            : `armalo-webhooks: the wildcard '${pattern}' matches only legacy events, which wildcards leave out; name them: ${named.join(', ')}`,
        );
      }
      return { kind: 'prefix', prefix, handler, registration };
    }
    if (!this.#isKnown(pattern)) {
      throw new TypeError(
        `armalo-webhooks: unknown event '${pattern}'. Known events: ${this.#knownNames().join(', ')}. ` +
          'For an event the catalog does not have yet, pass its schema in the `schemas` option, or use onUnknown().',
      );
    }
    return { kind: 'exact', name: pattern, handler, registration };
  }
}
