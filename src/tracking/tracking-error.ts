// Every failure of the MLflow adapter becomes a TrackingError whose message is one sentence a person can act
// on; the pipeline shows it as is. Sentences are built here so their wording is tested in one place.

/** How the client authenticates, so an auth refusal can name the variable to fix. */
export type AuthKind = 'token' | 'basic' | 'none';

export class TrackingError extends Error {
  /** HTTP status when the server answered, undefined when it could not be reached. */
  readonly status: number | undefined;
  /** MLflow's error_code (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, …) when it sent one. */
  readonly errorCode: string | undefined;

  constructor(message: string, options: { status?: number; errorCode?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrackingError';
    this.status = options.status;
    this.errorCode = options.errorCode;
  }
}

/** Whether MLflow answered with this error_code: the answers an adapter takes as a result, not a failure. */
export function isTrackingCode(error: unknown, code: string): error is TrackingError {
  return error instanceof TrackingError && error.errorCode === code;
}

/**
 * The call's answer, or undefined when MLflow answered with this error_code: for a thing that may be missing
 * (RESOURCE_DOES_NOT_EXIST) or already there (RESOURCE_ALREADY_EXISTS), where that answer is a result. Any other
 * failure is thrown as it was.
 */
export async function unlessTrackingCode<T>(call: Promise<T>, code: string): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isTrackingCode(error, code)) return undefined;
    throw error;
  }
}

export function unreachableMessage(url: string, attempts: number, reason: string): string {
  return (
    `Could not reach the MLflow server at ${url} (${reason}, ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}); ` +
    'check that it is running and that MLFLOW_TRACKING_URI points to it.'
  );
}

export function authMessage(url: string, status: number, auth: AuthKind): string {
  const refused = `The MLflow server at ${url} refused the request (HTTP ${status})`;
  if (auth === 'token') return `${refused}; set MLFLOW_TRACKING_TOKEN to a token that may use this server.`;
  if (auth === 'basic') {
    return `${refused}; set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to an account that may use this server.`;
  }
  return `${refused}; it needs credentials: set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.`;
}

export function rejectedMessage(
  url: string,
  operation: string,
  status: number,
  errorCode: string | undefined,
  detail: string,
): string {
  const code = errorCode ?? `HTTP ${status}`;
  const what = detail.trim().replace(/\s+/g, ' ').slice(0, 300) || 'no details given';
  return `The MLflow server at ${url} rejected ${operation} (${code}): ${what.replace(/[.\s]+$/, '')}.`;
}

export function serverErrorMessage(url: string, operation: string, status: number, attempts: number): string {
  return (
    `The MLflow server at ${url} failed ${operation} with HTTP ${status} after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}; ` +
    'check its logs, then try again.'
  );
}

export function badResponseMessage(url: string, operation: string): string {
  return (
    `The MLflow server at ${url} answered ${operation} with something that is not MLflow JSON; ` +
    'check that MLFLOW_TRACKING_URI points to the MLflow server itself, not a proxy or login page.'
  );
}
