"""Train an ElasticNet on the red wine quality data and log it to MLflow.

trainbot starts this as the training container: the params arrive as flags, the tracking
server and the run to resume as environment variables (src/runs/run-contract.json).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.model_selection import train_test_split

if TYPE_CHECKING:
    from mlflow.data.pandas_dataset import PandasDataset

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "winequality-red.csv"
# The image installs exactly these pins, so they are the model's requirements too. Naming them
# spares MLflow inferring them, which reloads the model in a subprocess (~13 s of a ~15 s run).
REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"
TARGET = "quality"
# The name the data is logged under as the run's dataset input; reports show its digest next to it.
DATASET_NAME = "winequality-red"
TEST_SIZE = 0.25
# The environment the bot gives the container. Mirrors the "env" section of
# src/runs/run-contract.json, which the image does not carry; a test keeps the two equal.
CONTRACT_ENV = {
    "trackingUri": "MLFLOW_TRACKING_URI",
    "experimentName": "MLFLOW_EXPERIMENT_NAME",
    "runId": "MLFLOW_RUN_ID",
}
# scikit-learn accepts a random_state only in this range.
MAX_SEED = 2**32 - 1


class DataError(Exception):
    """The data file is missing, unreadable or not the wine quality table."""


class _OneLineParser(argparse.ArgumentParser):
    # argparse prints the whole usage block before the error; the bot posts stderr to the PR,
    # where one sentence saying what to fix reads better.
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got '{text}'")
    return value


def _alpha(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _l1_ratio(text: str) -> float:
    value = _finite(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED}, got {text}")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the flags; a bad one exits with code 2 and a single line on stderr."""
    parser = _OneLineParser(prog="train.py", description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=_alpha, default=0.5, help="regularisation strength, >= 0")
    parser.add_argument(
        "--l1-ratio", type=_l1_ratio, default=0.5, help="L1 share of the penalty, 0..1"
    )
    parser.add_argument("--seed", type=_seed, default=42, help="seed of the split and the model")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the `;`-separated CSV")
    return parser.parse_args(argv)


def load_data(path: Path) -> pd.DataFrame:
    """The wine table with float features and the integer quality score."""
    try:
        data = pd.read_csv(path, sep=";")
    except FileNotFoundError:
        raise DataError(
            f"data file {path} does not exist; pass an existing CSV with --data"
        ) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        # OSError says it in words ("Is a directory"); parser errors span lines, so their name.
        reason = getattr(err, "strerror", None) or type(err).__name__
        raise DataError(
            f"cannot read data file {path} ({reason}); pass a readable CSV with --data"
        ) from None
    if TARGET not in data.columns:
        raise DataError(
            f"data file {path} has no '{TARGET}' column; "
            "pass the `;`-separated wine quality CSV with --data"
        )
    features = data.drop(columns=[TARGET])
    # Whole-number columns would be inferred as integers in the model signature, which MLflow
    # then refuses for inputs with decimals; the features are measurements, so float.
    try:
        data[features.columns] = features.astype("float64")
    except ValueError:
        raise DataError(
            f"data file {path} has non-numeric features; pass the wine quality CSV with --data"
        ) from None
    return data


def split(data: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """A 75/25 train/test split, the same for the same seed: x_train, x_test, y_train, y_test."""
    features = data.drop(columns=[TARGET])
    return tuple(train_test_split(features, data[TARGET], test_size=TEST_SIZE, random_state=seed))


def train(x: pd.DataFrame, y: pd.Series, alpha: float, l1_ratio: float, seed: int) -> ElasticNet:
    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, random_state=seed)
    return model.fit(x, y)


def evaluate(
    actual: Sequence[float] | np.ndarray, predicted: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """The metrics the bot compares: rmse and mae (lower is better), r2 (higher is better)."""
    return {
        "rmse": float(root_mean_squared_error(actual, predicted)),
        "mae": float(mean_absolute_error(actual, predicted)),
        "r2": float(r2_score(actual, predicted)),
    }


def tracking_settings(environ: Mapping[str, str]) -> dict[str, str | None]:
    """The contract's environment, keyed as in run-contract.json; unset or empty is None."""
    return {key: environ.get(name) or None for key, name in CONTRACT_ENV.items()}


def summary(metrics: Mapping[str, float], args: argparse.Namespace, run_id: str) -> str:
    scores = " ".join(f"{name}={value:.4f}" for name, value in metrics.items())
    return f"{scores} (alpha={args.alpha} l1_ratio={args.l1_ratio} seed={args.seed}, run {run_id})"


def dataset(data: pd.DataFrame, path: Path) -> PandasDataset:
    """The data as an MLflow dataset; its digest is MLflow's hash of the table's values."""
    import mlflow.data  # noqa: PLC0415
    from mlflow.data.sources import LocalArtifactDatasetSource  # noqa: PLC0415

    # A plain path string fits two source types, and MLflow warns which one it picked.
    source = LocalArtifactDatasetSource(str(path))
    with warnings.catch_warnings():
        # The quality score is an integer column by nature. MLflow's hint about integer columns
        # that may hold missing values would add lines to every run's log, which a PR may get.
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer column")
        logged = mlflow.data.from_pandas(data, source=source, name=DATASET_NAME, targets=TARGET)
        logged.to_dict()  # computes (and keeps) the schema while the hint is silenced
    return logged


def log_run(
    settings: Mapping[str, str | None],
    args: argparse.Namespace,
    metrics: Mapping[str, float],
    model: ElasticNet,
    data: PandasDataset,
) -> str:
    """Log params, metrics, the data as the run's dataset input and the model; returns the run id.

    Sets no tags: the bot owns them.
    """
    # Imported here so a bad flag or data file is answered in a second, not after MLflow's import.
    import mlflow  # noqa: PLC0415
    from mlflow.models import infer_signature  # noqa: PLC0415

    if settings["trackingUri"]:
        mlflow.set_tracking_uri(settings["trackingUri"])
    if settings["runId"]:
        # The bot created the run (and its experiment): resume exactly that one.
        run = mlflow.start_run(run_id=settings["runId"])
    else:
        if settings["experimentName"]:
            mlflow.set_experiment(settings["experimentName"])
        run = mlflow.start_run()
    with run:
        mlflow.log_params({"alpha": args.alpha, "l1_ratio": args.l1_ratio, "seed": args.seed})
        mlflow.log_metrics(dict(metrics))
        # The digest travels with the run (runs/get: inputs.dataset_inputs): reports name it.
        mlflow.log_input(data, context="training")
        example = data.df.drop(columns=[TARGET]).head(5)
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(example, model.predict(example)),
            input_example=example,
            pip_requirements=str(REQUIREMENTS),
        )
        return run.info.run_id


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        data = load_data(args.data)
    except DataError as err:
        print(f"train.py: error: {err}", file=sys.stderr)
        return 2
    x_train, x_test, y_train, y_test = split(data, args.seed)
    model = train(x_train, y_train, args.alpha, args.l1_ratio, args.seed)
    metrics = evaluate(y_test, model.predict(x_test))
    run_id = log_run(tracking_settings(os.environ), args, metrics, model, dataset(data, args.data))
    print(summary(metrics, args, run_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
