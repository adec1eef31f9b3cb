# shellcheck shell=bash
# Sourced helper: cd to the repository root, make sure .venv exists and holds
# an up-to-date editable install of pimsync with the `dev` extra.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" || exit 1
#
# The install runs again only when pyproject.toml changed since the last
# successful install (sha256 of pyproject.toml kept in .venv/.pimsync-install-stamp).
# Afterwards PIMSYNC_ROOT is the repository root and .venv/bin is first on PATH.

_pimsync_venv_main() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)" || return 1
    cd "$root" || return 1

    local venv="$root/.venv"
    local stamp="$venv/.pimsync-install-stamp"

    # (Re)create the venv when it is missing or its interpreter no longer runs
    # (e.g. the base Python was removed or moved).
    if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        >/dev/null 2>&1; then
        local py=""
        if command -v python3.11 >/dev/null 2>&1 && python3.11 -c '' >/dev/null 2>&1; then
            py=python3.11
        elif command -v python3 >/dev/null 2>&1 \
            && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
            py=python3
        else
            echo "error: pimsync needs Python >= 3.11; neither python3.11 nor a python3 >= 3.11" \
                "was found on PATH." >&2
            echo "       Install it (Debian/Ubuntu: apt-get install python3.11 python3.11-venv)" \
                "and run this again." >&2
            return 1
        fi
        echo "==> creating .venv with $py ($("$py" -c 'import sys; print(sys.version.split()[0])'))" >&2
        rm -rf "$venv"
        "$py" -m venv "$venv" || {
            echo "error: '$py -m venv .venv' failed (Debian: apt-get install python3-venv)" >&2
            return 1
        }
    fi

    local want have=""
    want="$("$venv/bin/python" -c \
        'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
        "$root/pyproject.toml")" || return 1
    [[ -f "$stamp" ]] && have="$(<"$stamp")"
    if [[ "$want" != "$have" ]]; then
        echo "==> installing pimsync[dev] into .venv (pyproject.toml changed)" >&2
        rm -f "$stamp"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q --no-input \
            -e "$root[dev]" || {
            echo "error: 'pip install -e .[dev]' failed" >&2
            return 1
        }
        printf '%s\n' "$want" >"$stamp"
    fi

    export PIMSYNC_ROOT="$root"
    export VIRTUAL_ENV="$venv"
    case ":$PATH:" in
        *":$venv/bin:"*) ;;
        *) export PATH="$venv/bin:$PATH" ;;
    esac
}

_pimsync_venv_main
_pimsync_venv_rc=$?
unset -f _pimsync_venv_main
# shellcheck disable=SC2317  # `return` when sourced; `exit` if run directly.
return "$_pimsync_venv_rc" 2>/dev/null || exit "$_pimsync_venv_rc"
