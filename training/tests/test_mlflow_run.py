"""Against a real MLflow server: train.py resumes the run the bot created and keeps its tags.

Needs MLFLOW_TRACKING_URI from scripts/test.sh (npm test), which starts MLflow on PostgreSQL.
"""

import base64
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

import pytest
from conftest import TRAIN_PY

from train import DATASET_NAME, DEFAULT_DATA, dataset, evaluate, load_data, split, train

# Realistic values for the tags the bot sets today; a tag added to the contract later gets one too.
SAMPLE_TAG_VALUES = {
    "repo": "octo-org/wine",
    "pr": "12",
    "sha": "4f2c1d0a9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
    "branch": "feature/less-alcohol",
    "request": "comment-1029384756",
    "role": "candidate",
    "gitCommit": "4f2c1d0a9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
    "params": "alpha=0.3 l1_ratio=0.2 seed=7",
}


@pytest.fixture(scope="module")
def tracking_uri() -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        pytest.fail(
            "MLFLOW_TRACKING_URI is not set: run the training tests through `npm test` "
            "(scripts/test.sh), which starts MLflow on PostgreSQL and exports it."
        )
    return uri.rstrip("/")


def mlflow_api(uri: str, endpoint: str, body: dict | None = None, query: dict | None = None):
    url = f"{uri}/api/2.0/mlflow/{endpoint}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    # The test MLflow runs the basic-auth app; scripts/test.sh exports its admin's credential.
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def as_dict(entries: list[dict]) -> dict[str, str]:
    return {entry["key"]: entry["value"] for entry in entries}


@pytest.fixture(scope="module")
def bot_run(tracking_uri, contract):
    """Does what the bot does: create the run with its tags, then start train.py on it."""
    experiment = f"trainbot-pytest-{uuid.uuid4().hex[:8]}"
    experiment_id = mlflow_api(tracking_uri, "experiments/create", {"name": experiment})[
        "experiment_id"
    ]
    tags = {
        name: SAMPLE_TAG_VALUES.get(key, f"sample {key}") for key, name in contract["tags"].items()
    }
    created = mlflow_api(
        tracking_uri,
        "runs/create",
        {
            "experiment_id": experiment_id,
            "start_time": int(time.time() * 1000),
            "tags": [{"key": name, "value": value} for name, value in tags.items()],
        },
    )
    run_id = created["run"]["info"]["run_id"]
    env = {
        **os.environ,
        contract["env"]["trackingUri"]: tracking_uri,
        contract["env"]["experimentName"]: experiment,
        contract["env"]["runId"]: run_id,
    }
    finished = subprocess.run(
        [sys.executable, str(TRAIN_PY), "--alpha", "0.3", "--l1-ratio", "0.2", "--seed", "7"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    stored = mlflow_api(tracking_uri, "runs/get", query={"run_id": run_id})["run"]
    return {"run_id": run_id, "tags": tags, "process": finished, "stored": stored}


def test_train_py_exits_0_and_ends_with_a_summary_line_naming_the_run(bot_run):
    process = bot_run["process"]
    assert process.returncode == 0, process.stderr
    # MLflow prints links to the run before it; the summary is the last line.
    assert re.fullmatch(
        rf"rmse=\d+\.\d{{4}} mae=\d+\.\d{{4}} r2=-?\d+\.\d{{4}} "
        rf"\(alpha=0\.3 l1_ratio=0\.2 seed=7, run {bot_run['run_id']}\)\n",
        process.stdout.splitlines(keepends=True)[-1],
    )


def test_the_run_the_bot_created_is_resumed_and_finished(bot_run):
    info = bot_run["stored"]["info"]
    assert (info["run_id"], info["status"]) == (bot_run["run_id"], "FINISHED")


def test_the_run_has_the_flags_as_params(bot_run):
    params = as_dict(bot_run["stored"]["data"]["params"])
    assert params == {"alpha": "0.3", "l1_ratio": "0.2", "seed": "7"}


def test_the_logged_metrics_are_those_of_the_test_split(bot_run):
    x_train, x_test, y_train, y_test = split(load_data(DEFAULT_DATA), seed=7)
    expected = evaluate(y_test, train(x_train, y_train, 0.3, 0.2, 7).predict(x_test))

    logged = {entry["key"]: entry["value"] for entry in bot_run["stored"]["data"]["metrics"]}
    assert set(logged) == {"rmse", "mae", "r2"}
    assert logged == pytest.approx(expected)


def test_every_tag_the_bot_set_is_unchanged_and_no_trainbot_tag_is_added(bot_run):
    stored = as_dict(bot_run["stored"]["data"]["tags"])
    assert {name: stored.get(name) for name in bot_run["tags"]} == bot_run["tags"]
    trainbot_tags = {name for name in stored if name.startswith("trainbot.")}
    assert trainbot_tags == {name for name in bot_run["tags"] if name.startswith("trainbot.")}


def test_the_data_is_the_runs_dataset_input_with_its_digest(bot_run):
    inputs = bot_run["stored"]["inputs"]["dataset_inputs"]
    expected = dataset(load_data(DEFAULT_DATA), DEFAULT_DATA)

    assert [(i["dataset"]["name"], i["dataset"]["digest"], i["tags"]) for i in inputs] == [
        (DATASET_NAME, expected.digest, [{"key": "mlflow.data.context", "value": "training"}])
    ]
