/** The slice of a logger the platform libraries need; Nest's `Logger` and `console` both fit. */
export interface PlatformLogger {
  log(message: string, ...meta: unknown[]): void;
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
}
