"""The comparison `trainbot compare` makes, in plain Python: the same 2 MLflow REST calls, urllib.

Input of bench/compare.ts (a benchmark input, timed as a whole process): the lower bound of what a
process that makes those two requests costs. It is given the baselines experiment's id, as trainbot
remembers it. Reads MLFLOW_TRACKING_URI and MLFLOW_TRACKING_USERNAME/_PASSWORD.
Usage: python bench/compare_urllib.py RUN_ID BASELINES_EXPERIMENT_ID REPO BRANCH PARAMS METRIC...
"""

import base64
import json
import os
import sys
import urllib.request


def call(path: str, body: dict | None = None) -> dict:
    uri = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
    credential = (
        f"{os.environ['MLFLOW_TRACKING_USERNAME']}:{os.environ['MLFLOW_TRACKING_PASSWORD']}"
    )
    request = urllib.request.Request(
        f"{uri}/api/2.0/mlflow/{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "authorization": "Basic " + base64.b64encode(credential.encode()).decode(),
            "content-type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def metrics(run: dict) -> dict:
    return {m["key"]: float(m["value"]) for m in run["data"].get("metrics", [])}


def print_table(this: dict, base: dict, names: list[str]) -> None:
    print("| metric | baseline | this run | delta |")
    print("|---|---:|---:|---:|")
    for name in names:
        print(f"| {name} | {base[name]:.4f} | {this[name]:.4f} | {this[name] - base[name]:+.4f} |")


def main() -> None:
    run_id, experiment_id, repo, branch, params, *names = sys.argv[1:]
    candidate = call(f"runs/get?run_id={run_id}")["run"]
    found = call(
        "runs/search",
        {
            "experiment_ids": [experiment_id],
            "filter": (
                "attributes.status = 'FINISHED' AND tags.`trainbot.role` = 'baseline' "
                f"AND tags.`trainbot.repo` = '{repo}' AND tags.`trainbot.branch` = '{branch}' "
                f"AND tags.`trainbot.params` = '{params}'"
            ),
            "order_by": ["attributes.start_time DESC"],
            "max_results": 1,
        },
    ).get("runs", [])
    if not found:
        print("no baseline")
        return
    print_table(metrics(candidate), metrics(found[0]), names)


if __name__ == "__main__":
    main()
