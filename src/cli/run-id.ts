// A run id from the command line, checked before any request: a hostile or pasted-wrong value never reaches a URL.
import { UsageError } from './usage-error.js';

/** MLflow's own rule for a run id (mlflow/utils/validation.py). */
const RUN_ID = /^[A-Za-z0-9][\w-]{0,255}$/;

/** The run id as given, or a sentence saying why it cannot be one (a hostile or pasted-wrong value is cut short). */
export function checkRunId(value: string, what: string): string {
  const id = value.trim();
  if (RUN_ID.test(id)) return id;
  const shown = JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
  throw new UsageError(
    `${shown} is not an MLflow run id (${what}); copy the 32-character id from the run's MLflow page or from the report's link.`,
  );
}
