"""The last line train.py prints: what the run scored, with which params, and which run it was."""

from train import parse_args, summary


def test_summary_lists_each_metric_to_four_places_then_the_params_and_run():
    args = parse_args(["--alpha", "0.1", "--l1-ratio", "0.8", "--seed", "7"])
    metrics = {"rmse": 0.74364709, "mae": 0.6042, "r2": -0.05}

    assert summary(metrics, args, "abc123") == (
        "rmse=0.7436 mae=0.6042 r2=-0.0500 (alpha=0.1 l1_ratio=0.8 seed=7, run abc123)"
    )
