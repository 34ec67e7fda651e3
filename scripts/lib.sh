# Shared helpers for the project's scripts: the tool cache and stage timing. Sourced, not run.
TRAINBOT_CACHE="${TRAINBOT_CACHE:-$HOME/.cache/trainbot}"
mkdir -p "$TRAINBOT_CACHE"

# stage NAME CMD...: run a command, print how long it took (slow stages show in CI logs) and return its status.
# Under `set -e` a failing command still stops the caller at once; not guarding it with `||` here keeps
# errexit working inside sourced setup scripts.
stage() {
  local name="$1"; shift
  local t0=$SECONDS rc
  echo "::: $name"
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then echo "::: $name done in $((SECONDS - t0)) s"; else echo "::: $name FAILED (exit $rc) after $((SECONDS - t0)) s"; fi
  return "$rc"
}

# free_port: an unused TCP port on 127.0.0.1, chosen by the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# add_cleanup CMD: run CMD (in reverse order of registration) when the script exits, however it exits.
_TRAINBOT_CLEANUPS=()
add_cleanup() { _TRAINBOT_CLEANUPS+=("$1"); trap _run_cleanups EXIT; }
_run_cleanups() {
  local i
  for ((i=${#_TRAINBOT_CLEANUPS[@]}-1; i>=0; i--)); do eval "${_TRAINBOT_CLEANUPS[$i]}" || true; done
}
