"""What users write today to compare a run with the current baseline: MLflow's client and pandas.

Input of bench/compare.ts (a benchmark input, timed as a whole process). Reads
MLFLOW_TRACKING_URI and MLFLOW_TRACKING_USERNAME/_PASSWORD as MLflow does.
Usage: python bench/compare_mlflow_client.py RUN_ID BASELINES_EXPERIMENT REPO BRANCH PARAMS METRIC…
"""

import sys

import mlflow
import pandas as pd


def main() -> None:
    run_id, experiment, repo, branch, params, *metrics = sys.argv[1:]
    candidate = mlflow.get_run(run_id)
    baselines = mlflow.search_runs(
        experiment_names=[experiment],
        filter_string=(
            "attributes.status = 'FINISHED' AND tags.`trainbot.role` = 'baseline' "
            f"AND tags.`trainbot.repo` = '{repo}' AND tags.`trainbot.branch` = '{branch}' "
            f"AND tags.`trainbot.params` = '{params}'"
        ),
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if baselines.empty:
        print("no baseline")
        return
    baseline = baselines.iloc[0]
    table = pd.DataFrame(
        {
            "baseline": [baseline[f"metrics.{m}"] for m in metrics],
            "this run": [candidate.data.metrics.get(m) for m in metrics],
        },
        index=metrics,
    )
    table["delta"] = table["this run"] - table["baseline"]
    print(table.to_string())


if __name__ == "__main__":
    main()
