# Sourced by scripts/demo and scripts/test: prepares everything a fresh clone needs.
# - a Python >= 3.11 virtualenv in .venv with the locked dependencies (uv.lock, via uv)
# - Debian packages the reports and browser tests need (Chromium, a CJK font), installed
#   when we may (root with apt-get), otherwise a clear message saying what to install.

UV_VERSION="0.13.9"
SYSTEM_PACKAGES=(chromium fonts-noto-cjk postgresql-client)

_say() { printf '\033[1m[tianping]\033[0m %s\n' "$*" >&2; }
_die() { _say "ERROR: $*"; exit 1; }

_find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

_ensure_venv() {
    if [[ ! -x .venv/bin/python ]]; then
        local python
        python="$(_find_python)" || _die "Python 3.11 or newer is required. Install it: sudo apt-get install python3.11 python3.11-venv"
        _say "creating .venv with $("$python" --version)"
        "$python" -m venv .venv || _die "could not create .venv. Install the venv module: sudo apt-get install python3-venv"
    fi
    if [[ ! -x .venv/bin/uv ]] || [[ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]]; then
        _say "installing uv $UV_VERSION into .venv"
        if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
            .venv/bin/python -m ensurepip --default-pip >/dev/null ||
                _die "the virtualenv has no pip and ensurepip failed; delete .venv and run this again"
        fi
        .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" ||
            _die "could not install uv from PyPI; check the network or proxy settings"
    fi
    _say "installing the locked dependencies (uv.lock)"
    # Bytecode compiled at install: the CLI would otherwise recompile ~1,200 modules per run
    # when PYTHONDONTWRITEBYTECODE is set.
    UV_PROJECT_ENVIRONMENT=.venv UV_COMPILE_BYTECODE=1 .venv/bin/uv sync --frozen --quiet ||
        _die "uv sync failed; see the message above"
}

_ensure_system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || { _say "not a Debian/Ubuntu system: make sure Chromium and a CJK font (Noto CJK) are installed"; return 0; }
    local missing=()
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        _say "installing system packages: ${missing[*]}"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null ||
            _die "apt-get could not install ${missing[*]}; install them by hand: sudo apt-get install ${missing[*]}"
    else
        _die "missing system packages: ${missing[*]}. Install them, then run this again: sudo apt-get install ${missing[*]}"
    fi
}

_ensure_venv
_ensure_system_packages
