import { EngineError, engineErrorClass } from '../../domain/errors/engine-error';

/** Something a console or portal route names is not stored (or, for the portal, not the link's customer's). */
export class ConsoleNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'not_found';

  constructor(what: string, id: string) {
    super(`no ${what} "${id}"`);
    this.name = 'ConsoleNotFoundError';
  }
}

/** A route's path, query or body does not match what it takes. */
export class ConsoleInputError extends engineErrorClass('ConsoleInputError', 'invalid_input', 'invalid_request') {}

export type AccessRefusal = 'unauthenticated' | 'forbidden';

/**
 * The request carries no credential the route accepts (401), or one that is
 * valid but not for this route (403: a portal link on a staff route).
 */
export class ConsoleAccessError extends EngineError {
  readonly category = 'invalid_input';
  readonly code: AccessRefusal;

  constructor(refusal: AccessRefusal, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsoleAccessError';
    this.code = refusal;
  }
}

/** The route exists, but not for this method (405). */
export class ConsoleMethodError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'method_not_allowed';
  readonly allowed: readonly string[];

  constructor(method: string, path: string, allowed: readonly string[]) {
    super(`${method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`);
    this.name = 'ConsoleMethodError';
    this.allowed = allowed;
  }
}

/** The status a console answer carries for an engine error: access and method refusals have their own. */
export function consoleErrorStatus(error: EngineError, byCategory: (error: EngineError) => number): number {
  switch (error.code) {
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'method_not_allowed':
      return 405;
    default:
      return byCategory(error);
  }
}
