# Shared by scripts/serve and scripts/test: find Python >= 3.11, make ./.venv, and install
# into it only when what it was installed from has changed.
VENV="${IDPOOL_VENV:-.venv}"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "idpool needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2
  return 1
}

ensure_venv() {
  if [[ ! -x "$VENV/bin/python" ]]; then
    "$(find_python)" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  fi
}

# fingerprint FILE... : one hash of the files' contents (and names), for a stamp.
fingerprint() {
  { for file in "$@"; do echo "== $file"; cat "$file"; done; } | sha256sum | cut -d' ' -f1
}

# stamp_is STAMP HASH : true when STAMP records HASH (the install it marks is current).
stamp_is() {
  [[ -f "$1" && "$(cat "$1")" == "$2" ]]
}

# install_python EXTRA : `pip install -e .[EXTRA]` unless the stamp in the venv says that
# this pyproject.toml, for this Python, is already installed. A fresh clone has no venv and
# no stamp, so it always installs; `scripts/test` (extra "test") also covers `scripts/serve`.
install_python() {
  local extra="$1" spec="." hash
  if [[ -n "$extra" ]]; then spec=".[$extra]"; fi
  hash="$(fingerprint pyproject.toml)-$("$VENV/bin/python" -c 'import sys; print(sys.version)' | sha256sum | cut -c1-12)"
  if stamp_is "$VENV/.idpool-installed-${extra:-base}" "$hash" ||
     { [[ -z "$extra" ]] && stamp_is "$VENV/.idpool-installed-test" "$hash"; }; then
    [[ -x "$VENV/bin/idpool" ]] && return 0
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -e "$spec"
  echo "$hash" > "$VENV/.idpool-installed-${extra:-base}"
}

# install_node DIR : `npm ci` in DIR unless node_modules was installed from this lock file.
install_node() {
  local dir="$1" hash
  hash="$(fingerprint "$dir/package.json" "$dir/package-lock.json")"
  stamp_is "$dir/node_modules/.idpool-installed" "$hash" && return 0
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$hash" > "$dir/node_modules/.idpool-installed"
}
