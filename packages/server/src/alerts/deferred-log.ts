/** The subset of a pino logger that budgets, alerts and webhooks write to. */
export interface AlertLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A log whose destination is set later: the services are built with the context, before the HTTP server and its
 * logger exist; `tally serve` points this at the server's logger, and until then (or in CLI commands) it is silent.
 */
export class DeferredLog implements AlertLog {
  private target: AlertLog | null = null;

  use(target: AlertLog): void {
    this.target = target;
  }

  info(fields: object, message: string): void {
    this.target?.info(fields, message);
  }

  warn(fields: object, message: string): void {
    this.target?.warn(fields, message);
  }

  error(fields: object, message: string): void {
    this.target?.error(fields, message);
  }
}
