"""The flags the bot passes: valid ones parse, each invalid one exits 2 with one line on stderr."""

import subprocess
import sys

import pytest
from conftest import TRAIN_PY

from train import DEFAULT_DATA, parse_args


def test_no_flags_give_the_documented_defaults():
    args = parse_args([])
    assert (args.alpha, args.l1_ratio, args.seed, args.data) == (0.5, 0.5, 42, DEFAULT_DATA)


def test_flags_as_the_bot_passes_them_are_parsed_to_numbers(tmp_path):
    data = tmp_path / "wine.csv"
    args = parse_args(["--alpha", "0.1", "--l1-ratio", "0.8", "--seed", "7", "--data", str(data)])
    assert (args.alpha, args.l1_ratio, args.seed, args.data) == (0.1, 0.8, 7, data)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--alpha", "0", "--l1-ratio", "0"], (0.0, 0.0)),
        (["--alpha=1e3", "--l1-ratio=1"], (1000.0, 1.0)),
        (["--alpha", "2", "--l1-ratio", ".25"], (2.0, 0.25)),
    ],
    ids=["lower bounds", "upper l1 bound and exponent", "integer alpha"],
)
def test_bounds_and_number_spellings_are_accepted(argv, expected):
    args = parse_args(argv)
    assert (args.alpha, args.l1_ratio) == expected


# Each case: flags → the single line train.py must print on stderr.
INVALID = {
    "alpha not a number": (
        ["--alpha", "abc"],
        "train.py: error: argument --alpha: expected a finite number, got 'abc'",
    ),
    "alpha NaN": (
        ["--alpha", "nan"],
        "train.py: error: argument --alpha: expected a finite number, got 'nan'",
    ),
    "alpha infinite": (
        ["--alpha", "inf"],
        "train.py: error: argument --alpha: expected a finite number, got 'inf'",
    ),
    "alpha overflowing to infinity": (
        ["--alpha", "1e999"],
        "train.py: error: argument --alpha: expected a finite number, got '1e999'",
    ),
    "alpha negative": (
        ["--alpha=-0.1"],
        "train.py: error: argument --alpha: must be >= 0, got -0.1",
    ),
    "l1_ratio above 1": (
        ["--l1-ratio", "1.5"],
        "train.py: error: argument --l1-ratio: must be between 0 and 1, got 1.5",
    ),
    "l1_ratio negative": (
        ["--l1-ratio", "-0.2"],
        "train.py: error: argument --l1-ratio: must be between 0 and 1, got -0.2",
    ),
    "l1_ratio minus infinity": (
        ["--l1-ratio=-inf"],
        "train.py: error: argument --l1-ratio: expected a finite number, got '-inf'",
    ),
    "seed not whole": (
        ["--seed", "1.5"],
        "train.py: error: argument --seed: expected a whole number, got '1.5'",
    ),
    "seed negative": (
        ["--seed", "-1"],
        "train.py: error: argument --seed: must be between 0 and 4294967295, got -1",
    ),
    "flag without a value": (
        ["--alpha"],
        "train.py: error: argument --alpha: expected one argument",
    ),
    "unknown flag": (["--gamma", "1"], "train.py: error: unrecognized arguments: --gamma 1"),
    "data file missing": (
        ["--data", "/nonexistent/wine.csv"],
        "train.py: error: data file /nonexistent/wine.csv does not exist; "
        "pass an existing CSV with --data",
    ),
    "data path a directory": (
        ["--data", "/"],
        "train.py: error: cannot read data file / (Is a directory); "
        "pass a readable CSV with --data",
    ),
}


@pytest.fixture(scope="module")
def invalid_runs():
    """Runs train.py once per invalid case, all at once: each start pays for the imports."""
    started = {
        name: subprocess.Popen(
            [sys.executable, str(TRAIN_PY), *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (argv, _) in INVALID.items()
    }
    results = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=300)
        results[name] = (process.returncode, stdout, stderr)
    return results


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_flag_exits_2_with_exactly_one_line_on_stderr(case, invalid_runs):
    returncode, stdout, stderr = invalid_runs[case]
    assert (returncode, stderr, stdout) == (2, INVALID[case][1] + "\n", "")
