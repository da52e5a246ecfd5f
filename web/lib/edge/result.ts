/**
 * The one outcome type of the app's server actions (purchases, members' actions, the console, sign-in):
 * a status with a body, or a status with `{ code, message }` and, where a client needs them, details
 * (a revert's name, what an account still holds). The edge (./route.ts) turns it into JSON.
 */
export type ErrorBody = { code: string; message: string } & Record<string, unknown>;

export type Success<B extends object = Record<string, unknown>> = { status: number; body: B };
export type Failure = { status: number; error: ErrorBody };
export type Result<B extends object = Record<string, unknown>> = Success<B> | Failure;

export const ok = <B extends object>(body: B, status = 200): Success<B> => ({ status, body });

/** `details` without their undefined fields (a revert's name only when there was a revert). */
export const fail = (status: number, code: string, message: string, details: Record<string, unknown> = {}): Failure => ({
  status,
  error: { ...Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)), code, message },
});

export const isFailure = (r: Result<object> | Failure): r is Failure => "error" in r;
