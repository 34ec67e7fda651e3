"""The comparison `trainbot compare` makes, in plain Python: trainbot's own 2 MLflow REST calls, urllib.

Input of bench/compare.ts (a benchmark input, timed as a whole process): the lower bound of what a process
that makes trainbot's requests costs. The baseline pointer (experiments/get on the baselines experiment), then
the candidate and the run the pointer names in one runs/search on `run_id IN (...)`. It is given both
experiments' ids, as trainbot remembers them; it checks no signature (trainbot does). Reads
MLFLOW_TRACKING_URI and MLFLOW_TRACKING_USERNAME/_PASSWORD.
Usage: python bench/compare_urllib_pointer.py RUN_ID CANDIDATES_ID BASELINES_ID BRANCH METRIC...
"""

import json
import sys

from compare_urllib import call, metrics, print_table


def main() -> None:
    run_id, candidates, baselines, branch, *names = sys.argv[1:]
    experiment = call(f"experiments/get?experiment_id={baselines}")["experiment"]
    tags = {t["key"]: t["value"] for t in experiment.get("tags", [])}
    pointer = tags.get(f"trainbot.baseline.{branch}")
    if pointer is None:
        print("no baseline")
        return
    baseline_id = json.loads(pointer)["runIds"][0]
    ids = ", ".join(f"'{i}'" for i in (run_id, baseline_id))
    found = call(
        "runs/search",
        {
            "experiment_ids": [candidates, baselines],
            "filter": f"attributes.run_id IN ({ids})",
            "max_results": 2,
        },
    ).get("runs", [])
    runs = {r["info"]["run_id"]: r for r in found}
    print_table(metrics(runs[run_id]), metrics(runs[baseline_id]), names)


if __name__ == "__main__":
    main()
