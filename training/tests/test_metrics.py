"""evaluate() turns predictions into the metrics the bot compares."""

import math

import pytest

from train import evaluate


def test_evaluate_gives_rmse_mae_and_r2_worked_out_by_hand():
    # errors -1, 0, +2: squared 1, 0, 4 → mse 5/3; absolute 1, 0, 2 → mae 1;
    # mean of actual is 5, so the total sum of squares is 4 + 0 + 4 = 8 and r2 = 1 - 5/8.
    metrics = evaluate([3.0, 5.0, 7.0], [2.0, 5.0, 9.0])

    assert list(metrics) == ["rmse", "mae", "r2"]
    assert metrics["rmse"] == pytest.approx(math.sqrt(5 / 3))
    assert metrics["mae"] == pytest.approx(1.0)
    assert metrics["r2"] == pytest.approx(0.375)


def test_evaluate_of_perfect_predictions_is_zero_error_and_r2_of_one():
    assert evaluate([4, 6, 5, 7], [4, 6, 5, 7]) == {"rmse": 0.0, "mae": 0.0, "r2": 1.0}


def test_evaluate_of_predicting_the_mean_gives_r2_of_zero():
    # Always predicting the mean explains nothing: r2 = 0; errors -1, +1 → rmse = mae = 1.
    assert evaluate([4.0, 6.0], [5.0, 5.0]) == {"rmse": 1.0, "mae": 1.0, "r2": 0.0}


def test_evaluate_returns_plain_floats_that_mlflow_and_json_accept():
    assert all(type(value) is float for value in evaluate([1, 2, 3], [1, 2, 4]).values())
