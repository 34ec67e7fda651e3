"""train.py reads the environment the bot sets, by the names in src/runs/run-contract.json."""

from train import CONTRACT_ENV, tracking_settings


def test_env_names_train_py_reads_are_those_of_the_run_contract(contract):
    assert contract["env"] == CONTRACT_ENV


def test_tracking_settings_take_each_value_from_its_contract_variable(contract):
    environ = {name: f"value of {key}" for key, name in contract["env"].items()}
    environ["UNRELATED"] = "ignored"

    assert tracking_settings(environ) == {key: f"value of {key}" for key in contract["env"]}


def test_tracking_settings_treat_unset_and_empty_variables_as_absent(contract):
    environ = {contract["env"]["runId"]: ""}

    assert tracking_settings(environ) == dict.fromkeys(contract["env"])
