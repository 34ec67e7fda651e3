"""Shared paths and the run contract for the training tests."""

import json
from pathlib import Path

import pytest

TRAINING_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TRAINING_DIR.parent
TRAIN_PY = TRAINING_DIR / "train.py"
CONTRACT_FILE = REPO_ROOT / "src" / "runs" / "run-contract.json"


@pytest.fixture(scope="session")
def contract() -> dict:
    """The names trainbot and the container agree on, read from the one file that defines them."""
    return json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
