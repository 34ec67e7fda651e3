#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), starts the real services the integration
# tests use (PostgreSQL + MLflow, the loopback Kubernetes API, a registry holding the training image, a real
# node), then jest, pytest and the static checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
for _svc in scripts/services/*.sh; do . "$_svc"; done
stage "start PostgreSQL + MLflow" start_mlflow
if declare -F start_kube >/dev/null; then stage "start Kubernetes API" start_kube; fi
if declare -F start_registry >/dev/null; then stage "start registry + push images" start_registry; fi
if declare -F start_node >/dev/null; then stage "start real node" start_node; fi

failed=()
run() { local name="$1"; shift; stage "$name" "$@" || failed+=("$name"); }
run "typecheck" npx tsc -p tsconfig.json --noEmit
run "build" npm run --silent build
results="$(mktemp -d)"
# Two jest invocations: the tool-free unit suites first, then the rest. In one invocation, nock-based unit files
# that a worker ran after certain integration and tools files found the earlier file's nock still hooked into
# fetch and were refused (the cause is not found yet; see the stop-10 note).
# Each jest invocation has a time limit well inside CI's 90 minutes, and a reporter that names any file still
# running after five minutes, so a hang ends as a named failure instead of a killed job.
jest() {
  timeout -k 30 "$1" env NODE_OPTIONS=--experimental-vm-modules npx jest --ci --reporters=default \
    --reporters=./test/support/slow-file-reporter.cjs "${@:2}"
}
run "jest unit" jest 900 --selectProjects unit --json --outputFile="$results/jest-unit.json"
run "jest tools, render, integration" jest 2700 --selectProjects tools render integration --json --outputFile="$results/jest.json"
run "pytest" python -m pytest -q training/tests --junitxml="$results/pytest.xml"
for check in scripts/checks/*.sh; do
  [ -e "$check" ] || continue
  run "check $(basename "$check" .sh)" bash "$check"
done
echo "::: test.sh took $SECONDS s"
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED: ${failed[*]}"; else echo "all test stages passed"; fi
# One closing line over both runners, printed last (jest's own summary scrolls away among the stages).
python3 - "$results" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
passed = failed = skipped = 0
for name in ("jest-unit.json", "jest.json"):
    try:
        j = json.load(open(f"{d}/{name}"))
        passed += j["numPassedTests"]; failed += j["numFailedTests"]; skipped += j["numPendingTests"]
    except (OSError, ValueError, KeyError):
        failed += 1
try:
    s = ET.parse(f"{d}/pytest.xml").getroot()
    s = s if s.tag == "testsuite" else s.find("testsuite")
    t, f, e, k = (int(s.get(x, 0)) for x in ("tests", "failures", "errors", "skipped"))
    passed += t - f - e - k; failed += f + e; skipped += k
except (OSError, ET.ParseError, AttributeError):
    failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
[ ${#failed[@]} -eq 0 ]
