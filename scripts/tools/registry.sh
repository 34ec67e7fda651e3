# A real OCI registry (Debian's docker-registry, distribution 2.8), skopeo, and htpasswd (apache2-utils: the
# registry only accepts bcrypt htpasswd lines) for the image-push action's tests.
# Sourced by scripts/setup.sh; installs from apt only what is missing, so re-running it costs nothing.
_registry_missing=()
command -v docker-registry >/dev/null 2>&1 || _registry_missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || _registry_missing+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || _registry_missing+=(apache2-utils)
if [ ${#_registry_missing[@]} -gt 0 ]; then
  # Fetch the package lists only when they are missing or stale (the install then fails), not on every run.
  if ! apt-cache show "${_registry_missing[@]}" >/dev/null 2>&1 \
    || ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${_registry_missing[@]}" >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${_registry_missing[@]}" >/dev/null
  fi
fi
unset _registry_missing
