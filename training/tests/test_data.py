"""load_data() reads the baked-in wine table; split() is a deterministic 75/25 split; dataset() is
what the run logs as its input."""

import re
from pathlib import Path

import pytest

from train import DATASET_NAME, DEFAULT_DATA, TARGET, DataError, dataset, load_data, split


@pytest.fixture(scope="module")
def wine():
    return load_data(DEFAULT_DATA)


def test_load_data_reads_1599_rows_of_11_features_and_quality(wine):
    assert wine.shape == (1599, 12)
    assert list(wine.columns)[-1] == "quality"
    assert list(wine.columns)[:3] == ["fixed acidity", "volatile acidity", "citric acid"]


def test_load_data_matches_the_check_figures_of_the_data_readme(wine):
    assert round(wine[TARGET].mean(), 3) == 5.636
    assert (wine[TARGET].min(), wine[TARGET].max()) == (3, 8)


def test_load_data_makes_every_feature_float_so_the_model_signature_takes_decimals(wine):
    assert set(wine.drop(columns=[TARGET]).dtypes.astype(str)) == {"float64"}


def test_default_data_path_is_next_to_the_script_not_the_working_directory():
    beside_script = Path(__file__).resolve().parents[1] / "data" / "winequality-red.csv"
    assert beside_script == DEFAULT_DATA


def test_split_keeps_a_quarter_for_testing(wine):
    x_train, x_test, y_train, y_test = split(wine, seed=42)

    assert (len(x_train), len(x_test), len(y_train), len(y_test)) == (1199, 400, 1199, 400)
    assert TARGET not in x_train.columns
    assert set(x_train.index).isdisjoint(x_test.index)
    assert set(x_train.index) | set(x_test.index) == set(wine.index)
    assert list(x_test.index) == list(y_test.index)


def test_split_with_the_same_seed_picks_the_same_rows(wine):
    first = split(wine, seed=42)
    again = split(wine, seed=42)

    assert list(first[1].index) == list(again[1].index)
    assert list(first[0].index) == list(again[0].index)


def test_split_with_another_seed_picks_other_rows(wine):
    assert list(split(wine, seed=42)[1].index) != list(split(wine, seed=7)[1].index)


def test_load_data_of_a_missing_file_names_it_and_the_flag(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataError) as raised:
        load_data(missing)
    assert (
        str(raised.value) == f"data file {missing} does not exist; pass an existing CSV with --data"
    )


def test_load_data_of_a_csv_without_quality_says_so(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        load_data(other)
    assert str(raised.value) == (
        f"data file {other} has no 'quality' column; "
        "pass the `;`-separated wine quality CSV with --data"
    )


def test_load_data_of_text_features_says_they_are_not_numbers(tmp_path):
    text = tmp_path / "text.csv"
    text.write_text('"colour";"quality"\nred;5\n', encoding="utf-8")
    with pytest.raises(DataError) as raised:
        load_data(text)
    assert str(raised.value) == (
        f"data file {text} has non-numeric features; pass the wine quality CSV with --data"
    )


def test_dataset_names_the_data_and_its_digest_follows_the_values(wine, recwarn):
    logged = dataset(wine, DEFAULT_DATA)
    again = dataset(load_data(DEFAULT_DATA), DEFAULT_DATA)
    changed = wine.copy()
    changed.loc[0, TARGET] = 9

    assert (logged.name, logged.source.uri) == (DATASET_NAME, str(DEFAULT_DATA))
    assert re.fullmatch(r"[0-9a-f]{8}", logged.digest)
    assert again.digest == logged.digest
    assert dataset(changed, DEFAULT_DATA).digest != logged.digest
    # Nothing for the run's log: a warning there would reach the tail a failed run's report shows.
    assert [str(w.message) for w in recwarn if issubclass(w.category, UserWarning)] == []
