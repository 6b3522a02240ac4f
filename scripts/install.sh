#!/usr/bin/env bash
# Installs the aggregator as a service from this checkout (README "Installing for real").
# Safe to run again: it upgrades the code and migrates the database, and never
# overwrites an existing config.yaml or secrets.env.
#
#   sudo bash scripts/install.sh [--cron]
#
# What it makes (defaults; every directory can be moved with a flag, see --help):
#   the system user `aggregator` (when run as root and it does not exist)
#   /opt/aggregator/.venv               the project and its dependencies (root-owned)
#   /opt/aggregator/bin/aggregator-env  runs a command with the config path and the tokens
#   /etc/aggregator/config.yaml         from the example; database.url -> the state dir (640)
#   /etc/aggregator/secrets.env         VARIABLE=value lines for the {env: ...} tokens (640)
#   /var/lib/aggregator/aggregator.db   the SQLite database, owned by the service user
#   /etc/systemd/system/aggregator-*    the units (installed, not enabled)
#   /etc/cron.d/aggregator              only with --cron (use either cron or the scheduler)
set -euo pipefail
umask 022

SOURCE=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/aggregator
CONFIG_DIR=/etc/aggregator
STATE_DIR=/var/lib/aggregator
SERVICE_USER=aggregator
SYSTEMD_DIR=/etc/systemd/system
CRON_DIR=/etc/cron.d
TEMPLATE=$SOURCE/config.yaml
PYTHON=/usr/bin/python3
EXTRAS=postgres
WITH_CRON=

usage() {
    cat <<EOF
usage: bash scripts/install.sh [options]
  --prefix DIR           code and venv ($PREFIX)
  --config-dir DIR       config.yaml and secrets.env ($CONFIG_DIR)
  --state-dir DIR        the SQLite database, the service user's home ($STATE_DIR)
  --user NAME            the service user, created when missing ($SERVICE_USER)
  --systemd-dir DIR      where the units go ($SYSTEMD_DIR)
  --cron                 also install the crontab into --cron-dir
  --cron-dir DIR         ($CRON_DIR)
  --config-template FILE the config.yaml copied when none exists (this checkout's)
  --python PATH          the Python 3.11+ the venv is made from, one the service user
                         can run (not a pyenv under /root) ($PYTHON)
  --extras LIST          pip extras ($EXTRAS; '' for SQLite only)
EOF
}

fail() {
    echo "install.sh: $*" >&2
    exit 2
}

parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
            --prefix) PREFIX=${2:?}; shift ;;
            --config-dir) CONFIG_DIR=${2:?}; shift ;;
            --state-dir) STATE_DIR=${2:?}; shift ;;
            --user) SERVICE_USER=${2:?}; shift ;;
            --systemd-dir) SYSTEMD_DIR=${2:?}; shift ;;
            --cron) WITH_CRON=1 ;;
            --cron-dir) CRON_DIR=${2:?}; shift ;;
            --config-template) TEMPLATE=${2:?}; shift ;;
            --python) PYTHON=${2:?}; shift ;;
            --extras) EXTRAS=${2?}; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; fail "unknown option: $1" ;;
        esac
        shift
    done
}

check_args() {
    local dir
    for dir in "$PREFIX" "$CONFIG_DIR" "$STATE_DIR" "$SYSTEMD_DIR" "$CRON_DIR"; do
        case $dir in
            /*) ;;
            *) fail "$dir: directories must be absolute paths" ;;
        esac
        case $dir in
            *[!A-Za-z0-9_./-]*) fail "$dir: use only letters, digits and _ . / - in paths" ;;
        esac
    done
    case $SERVICE_USER in
        '' | [!a-z_]* | *[!a-z0-9_-]*) fail "$SERVICE_USER: a user name is lower-case a-z, 0-9, _ and -" ;;
    esac
    [ -r "$TEMPLATE" ] || fail "config template $TEMPLATE is missing"
}

# An existing config whose SQLite path is relative keeps live data in the config dir, where
# the service user cannot write: stop before installing anything, the data stays put.
check_existing_config() {
    local config=$CONFIG_DIR/config.yaml url
    [ -e "$config" ] || return 0
    grep -qs '^AGGREGATOR_DATABASE_URL=' "$CONFIG_DIR/secrets.env" && return 0
    url=$(awk '
        /^[^[:space:]#]/ { in_db = ($0 ~ /^database:/) }
        in_db && /^[[:space:]]+url:/ {
            sub(/^[[:space:]]+url:[[:space:]]*/, ""); sub(/[[:space:]]+#.*/, "")
            gsub(/["\047]/, ""); print; exit
        }' "$config")
    case $url in
        '' | /* | *://*) ;;
        *) fail "$config: database.url $url is relative to $CONFIG_DIR, where the service" \
            "user cannot write: stop the service, move $CONFIG_DIR/$url* to $STATE_DIR/" \
            "and set url: $STATE_DIR/$(basename "$url"), then run again" ;;
    esac
}

# The service user: created (system user, own group, home = state dir) when root.
ensure_user() {
    if [ "$(id -u)" -ne 0 ]; then
        [ "$SERVICE_USER" = "$(id -un)" ] \
            || fail "run as root to install for user $SERVICE_USER (or pass --user $(id -un))"
    elif ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
        useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
            --shell /usr/sbin/nologin "$SERVICE_USER"
        echo "created system user $SERVICE_USER"
    fi
    SERVICE_GROUP=$(id -gn "$SERVICE_USER")
}

# chown as root only (a non-root install runs as the service user already).
own() {
    if [ "$(id -u)" -eq 0 ]; then chown "$@"; fi
}

install_code() {
    BUILD_DIR=$(mktemp -d)
    trap 'rm -rf "$BUILD_DIR"' EXIT
    local build=$BUILD_DIR
    # build from a copy, so the checkout gets no root-owned build/ directory
    cp -R "$SOURCE/pyproject.toml" "$SOURCE/README.md" "$SOURCE/scheduler.py" \
        "$SOURCE/aggregator" "$SOURCE/connectors" "$build/"
    find "$build" -name __pycache__ -prune -exec rm -rf {} +
    mkdir -p "$PREFIX/bin"
    [ -x "$PREFIX/.venv/bin/python" ] || "$PYTHON" -m venv "$PREFIX/.venv"
    check_venv_runs_as_service_user
    local pip=("$PREFIX/.venv/bin/python" -m pip --quiet --disable-pip-version-check)
    "${pip[@]}" wheel --no-deps --wheel-dir "$build/dist" "$build" >/dev/null
    local wheel=("$build"/dist/*.whl)
    "${pip[@]}" install "${wheel[0]}${EXTRAS:+[$EXTRAS]}"
    "${pip[@]}" install --no-deps --force-reinstall "${wheel[0]}"  # same version: new code
}

# Copies a deploy/ file with the default paths and user replaced by the chosen ones.
render() {
    local script=(
        -e "s|/opt/aggregator|$PREFIX|g"
        -e "s|/etc/aggregator|$CONFIG_DIR|g"
        -e "s|/var/lib/aggregator|$STATE_DIR|g"
        -e "s|^User=aggregator\$|User=$SERVICE_USER|"
        -e "s|^Group=aggregator\$|Group=$SERVICE_GROUP|"
    )
    if [ "$1" = crontab.example ]; then  # the user is the sixth field of a cron.d line
        script+=(-e "s|^(([^#[:space:]][^[:space:]]*[[:space:]]+){5})aggregator([[:space:]])|\\1$SERVICE_USER\\3|")
    fi
    sed -E "${script[@]}" "$SOURCE/deploy/$1"
}

install_wrapper() {
    render aggregator-env >"$PREFIX/bin/aggregator-env.new"
    chmod 755 "$PREFIX/bin/aggregator-env.new"
    mv "$PREFIX/bin/aggregator-env.new" "$PREFIX/bin/aggregator-env"
}

# A new config.yaml from the template, its database in the state dir; kept if present.
install_config() {
    mkdir -p "$CONFIG_DIR"
    chmod 750 "$CONFIG_DIR"
    own "root:$SERVICE_GROUP" "$CONFIG_DIR"
    local config=$CONFIG_DIR/config.yaml
    if [ ! -e "$config" ]; then
        awk -v url="$STATE_DIR/aggregator.db" '
            /^[^[:space:]#]/ { in_db = ($0 ~ /^database:/) }
            in_db && /^[[:space:]]+url:/ && !done { sub(/url:.*/, "url: " url); done = 1 }
            { print }
            END { if (!done) exit 1 }' "$TEMPLATE" >"$config.new" \
            || fail "$TEMPLATE has no database: url: line to point at $STATE_DIR"
        mv "$config.new" "$config"
        echo "wrote $config (database: $STATE_DIR/aggregator.db)"
    fi
    chmod 640 "$config"
    own "root:$SERVICE_GROUP" "$config"
}

# secrets.env: a commented line per {env: NAME} of the config; never overwritten.
install_secrets() {
    local secrets=$CONFIG_DIR/secrets.env
    if [ ! -e "$secrets" ]; then
        {
            echo "# Tokens named by config.yaml's {env: NAME} references: NAME=value, one a line."
            { grep -v '^[[:space:]]*#' "$CONFIG_DIR/config.yaml" || true; } \
                | { grep -o '{env: *[A-Za-z_][A-Za-z0-9_]*' || true; } \
                | sed 's/{env: */# /; s/$/=/' | sort -u
        } >"$secrets"
        echo "wrote $secrets: fill in the tokens"
    fi
    chmod 640 "$secrets"
    own "root:$SERVICE_GROUP" "$secrets"
}

install_state_dir() {
    mkdir -p "$STATE_DIR"
    chmod 750 "$STATE_DIR"
    own "$SERVICE_USER:$SERVICE_GROUP" "$STATE_DIR"
}

install_schedules() {
    local unit
    mkdir -p "$SYSTEMD_DIR"
    for unit in aggregator-scheduler.service aggregator-sync.service aggregator-sync.timer; do
        render "$unit" >"$SYSTEMD_DIR/$unit"
        chmod 644 "$SYSTEMD_DIR/$unit"
    done
    if [ -d /run/systemd/system ] && [ "$SYSTEMD_DIR" = /etc/systemd/system ]; then
        systemctl daemon-reload
    fi
    if [ -n "$WITH_CRON" ]; then
        mkdir -p "$CRON_DIR"
        render crontab.example >"$CRON_DIR/aggregator"  # cron.d ignores names with a dot
        chmod 644 "$CRON_DIR/aggregator"
    fi
}

# Runs a command as the service user, from the state dir.
as_service_user() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$STATE_DIR" && runuser -u "$SERVICE_USER" -- "$@")
    else
        (cd "$STATE_DIR" && "$@")
    fi
}

check_python() {
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || fail "$PYTHON is not Python 3.11 or newer: pass --python PATH"
}

check_venv_runs_as_service_user() {
    as_service_user "$PREFIX/.venv/bin/python" -c '' 2>/dev/null \
        || fail "$SERVICE_USER cannot run $PREFIX/.venv/bin/python (made from a Python it" \
            "cannot read?): remove $PREFIX/.venv and run again with --python /usr/bin/python3"
}

main() {
    parse_args "$@"
    check_args
    check_python
    check_existing_config
    ensure_user
    install_state_dir
    install_code
    install_wrapper
    install_config
    install_secrets
    install_schedules
    as_service_user "$PREFIX/bin/aggregator-env" aggregator db upgrade \
        || fail "db upgrade failed: fill in $CONFIG_DIR/secrets.env or fix the config, then run again"
    echo "installed. Start ONE of:"
    echo "  systemctl enable --now aggregator-scheduler    (or aggregator-sync.timer)"
    echo "  bash scripts/install.sh --cron                 (cron: $CRON_DIR/aggregator)"
    echo "Commands: runuser -u $SERVICE_USER -- $PREFIX/bin/aggregator-env aggregator status"
}

main "$@"
