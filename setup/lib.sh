# Shared provisioning functions for ./setup/demo and ./setup/test. Sourced, not run.
# Every step is idempotent and cached under $CUSTOMER_FILE_CACHE.

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# As root the cache lives under /var/cache so the postgres user can reach its cluster there.
if [ -n "${CUSTOMER_FILE_CACHE:-}" ]; then CACHE_DIR=$CUSTOMER_FILE_CACHE
elif [ "$(id -u)" -eq 0 ]; then CACHE_DIR=/var/cache/customer-file
else CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/customer-file
fi
ODOO_DEB_PACKAGE=odoo-19
# Odoo's web client has relative symlinks into usr/share for these; they are unpacked next to
# Odoo so the links resolve inside the private tree. They come from the machine's own suite
# (sid's fonts-font-awesome 7 no longer has the 4.7 files Odoo links to), except
# fonts-montserrat, which only sid has.
ODOO_ASSET_PACKAGES="libjs-jquery libjs-underscore libjs-jquery-form fonts-font-awesome
    fonts-roboto-unhinted fonts-inconsolata fonts-ocr-b"
ODOO_SID_ASSET_PACKAGES="fonts-montserrat"
ODOO_UNPACKED="$CACHE_DIR/odoo-deb"
VENV_DIR="$CACHE_DIR/venv"
PGDATA_DIR="$CACHE_DIR/pgdata"
PG_SOCKET_DIR="$CACHE_DIR/pgsocket"
PG_LOG="$PGDATA_DIR/server.log"
PG_PORT=${CUSTOMER_FILE_PG_PORT:-5432}
PG_BIN=/usr/lib/postgresql/15/bin
PG_ROLE=odoo
# One configuration per checkout, so several work trees can share the cache.
ODOO_CONF=${CUSTOMER_FILE_ODOO_CONF:-"$CACHE_DIR/odoo-$(printf '%s' "$REPO_DIR" | sha256sum | cut -c1-8).conf"}
PYTHON_BIN=${CUSTOMER_FILE_PYTHON:-python3.11}
# The demo: the three core addons and the ones that use the customer file (membership
# levels, key accounts, recommendations, targeted offers); bridges install themselves.
ADDONS="customer_file,customer_file_segmentation,customer_file_feedback,customer_file_loyalty,customer_file_key_account,customer_file_recommendation,customer_file_offer"
# The tests install every addon of the repository (customer_file*/ with a manifest), the
# bridges too (which bring point_of_sale, mass_mailing, repair and stock), to test them.
TEST_ADDONS=$(cd "$REPO_DIR" && for manifest in customer_file*/__manifest__.py; do dirname "$manifest"; done | paste -sd, -)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "'$*' needs root: run as root or install sudo."
    fi
}

check_disk() {
    mkdir -p "$CACHE_DIR"
    local free_kb
    free_kb=$(df -Pk "$CACHE_DIR" | awk 'NR==2 {print $4}')
    if [ "${free_kb:-0}" -lt $((3 * 1024 * 1024)) ]; then
        die "less than 3 GB free under $CACHE_DIR (Odoo unpacks to about 1.2 GB, the venv and database need the rest). Free some space or set CUSTOMER_FILE_CACHE to another disk."
    fi
}

# "<mirror URI> <suite>" of the machine's main Debian entry, read from its own apt sources.
debian_mirror_and_suite() {
    local entry
    entry=$(awk '/^URIs:/ {uri = $2} /^Suites:/ {suite = $2}
                 /^$/ {if (uri && uri !~ /-security/) {print uri, suite; exit} uri = ""}
                 END {if (uri && uri !~ /-security/) print uri, suite}' \
            /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    if [ -z "$entry" ]; then
        entry=$(awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i, $(i + 1); exit}}' \
                /etc/apt/sources.list 2>/dev/null | grep -v -- '-security' | head -n 1)
    fi
    [ -n "$entry" ] || die "no Debian mirror in /etc/apt/sources.list(.d): cannot fetch $ODOO_DEB_PACKAGE. Set ODOO_SRC=/path/to/odoo to use an Odoo 19 tree you already have."
    printf '%s\n' "$entry"
}

apt_updated=
apt_install_missing() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing Debian packages (${missing[*]}) and no apt-get on this machine: install them by hand."
    say "Installing Debian packages: ${missing[*]}"
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq || die "apt-get update failed: is the network or the Debian mirror reachable?"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed (see above)."
}

system_packages() {
    # The database; PDF reports with Chinese text (pdftotext reads them back in the tests;
    # WenQuanYi Micro Hei prints them: with Noto Sans CJK the PDF's text layer names glyphs
    # such as 高 金 马 黄 by their radicals); browser tours; python-magic's library.
    # libpq-dev and gcc build psycopg2 (the package Odoo declares, not the binary wheel).
    apt_install_missing postgresql-15 wkhtmltopdf poppler-utils gsfonts fonts-noto-cjk fonts-wqy-microhei chromium chromium-driver libmagic1 \
        libpq-dev gcc
}

odoo_tree() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo/release.py" ] || [ -f "$ODOO_SRC/release.py" ] \
            || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py)."
        if [ -f "$ODOO_SRC/odoo/release.py" ]; then ODOO_PY_PATH=$ODOO_SRC; else ODOO_PY_PATH=$(dirname "$ODOO_SRC"); fi
        return 0
    fi
    ODOO_PY_PATH="$ODOO_UNPACKED/usr/lib/python3/dist-packages"
    [ -f "$ODOO_PY_PATH/odoo/release.py" ] && return 0

    say "Fetching Debian's $ODOO_DEB_PACKAGE (sid) into $CACHE_DIR (once, about 130 MB)"
    local apt_dir="$CACHE_DIR/apt" mirror suite
    read -r mirror suite <<< "$(debian_mirror_and_suite)"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
    printf 'deb %s sid main\ndeb %s %s main\n' "$mirror" "$mirror" "$suite" > "$apt_dir/etc/sid.list"
    local apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/etc/sid.list" -o "Dir::Etc::sourceparts=-"
                    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::archives=$apt_dir/archives"
                    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Sandbox::User=root")
    apt-get "${apt_opts[@]}" update -qq \
        || die "could not read the package index of sid and $suite from the machine's Debian mirror: no network? (apt-get update above)"
    local deb_dir="$apt_dir/debs"
    mkdir -p "$deb_dir"
    rm -f "$deb_dir"/*.deb
    local wanted=("$ODOO_DEB_PACKAGE/sid") pkg
    for pkg in $ODOO_ASSET_PACKAGES; do wanted+=("$pkg/$suite"); done
    for pkg in $ODOO_SID_ASSET_PACKAGES; do wanted+=("$pkg/sid"); done
    (cd "$deb_dir" && apt-get "${apt_opts[@]}" download "${wanted[@]}") \
        || die "apt-get download $ODOO_DEB_PACKAGE failed (see above)."
    local deb
    rm -rf "$ODOO_UNPACKED.tmp"
    for deb in "$deb_dir"/*.deb; do
        dpkg -x "$deb" "$ODOO_UNPACKED.tmp" || die "dpkg -x $deb failed: disk full?"
    done
    local dangling
    dangling=$(find "$ODOO_UNPACKED.tmp/usr/lib" -xtype l | head -n 3)
    [ -z "$dangling" ] || die "unpacked Odoo has dangling symlinks (a web asset package is missing): $dangling"
    rm -rf "$ODOO_UNPACKED" && mv "$ODOO_UNPACKED.tmp" "$ODOO_UNPACKED"
    rm -f "$deb_dir"/*.deb
}

python_venv() {
    local stamp="$VENV_DIR/.requirements.sha256" want
    want=$( { cat "$REPO_DIR/setup/requirements.txt"; echo "$ODOO_PY_PATH"; } | sha256sum | cut -d' ' -f1)
    if [ -x "$VENV_DIR/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
    command -v "$PYTHON_BIN" >/dev/null 2>&1 \
        || die "$PYTHON_BIN not found: Odoo 19 runs here on Python 3.11 (set CUSTOMER_FILE_PYTHON to another interpreter)."
    say "Creating the Python venv in $VENV_DIR (Odoo's pinned requirements)"
    [ -x "$VENV_DIR/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV_DIR" || die "python -m venv failed."
    if ! "$VENV_DIR/bin/pip" install -q -r "$REPO_DIR/setup/requirements.txt" > "$CACHE_DIR/pip.log" 2>&1; then
        grep -v 'is ignored: it is neither' "$CACHE_DIR/pip.log" | tail -n 20 >&2
        die "pip install -r setup/requirements.txt failed: no network to the package index, or a wheel failed to build (see above, full log $CACHE_DIR/pip.log)."
    fi
    local site
    site=$("$VENV_DIR/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
    printf '%s\n' "$ODOO_PY_PATH" > "$site/odoo-19.pth"
    "$VENV_DIR/bin/python" -c 'import odoo.release as r; assert r.version_info[:2] == (19, 0), r.version' \
        || die "the venv cannot import Odoo 19 from $ODOO_PY_PATH."
    printf '%s\n' "$want" > "$stamp"
}

# PostgreSQL runs as the invoking user, or as postgres when that is root (initdb refuses root).
pg_run() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    else
        "$@"
    fi
}

pg_is_running() {
    local pid
    [ -f "$PGDATA_DIR/postmaster.pid" ] || return 1
    pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]
}

pg_start() {
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 binaries not found in $PG_BIN (apt-get install postgresql-15)."
    mkdir -p "$PG_SOCKET_DIR"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        say "Creating a private PostgreSQL 15 cluster in $PGDATA_DIR"
        rm -rf "$PGDATA_DIR" && mkdir -p "$PGDATA_DIR"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$PGDATA_DIR" "$PG_SOCKET_DIR"
        pg_run "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
            || die "initdb failed in $PGDATA_DIR (disk full? permissions?)."
        # A throwaway development cluster: unix socket only, durability traded for speed.
        cat >> "$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
port = $PG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
CONF
    fi
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_SOCKET_DIR"
    if pg_is_running; then return 0; fi
    if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
        say "Removing a stale PostgreSQL pid file"
        rm -f "$PGDATA_DIR/postmaster.pid"
    fi
    if [ -S "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT" ] && ! pg_run "$PG_BIN/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PG_PORT"; then
        rm -f "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT" "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT.lock"
    fi
    pg_run "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 start >/dev/null || {
        tail -n 5 "$PG_LOG" >&2
        die "PostgreSQL did not start (log above, full log $PG_LOG): socket $PG_SOCKET_DIR/.s.PGSQL.$PG_PORT busy, or disk full?"
    }
    pg_run "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -qtAc \
        "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'" | grep -q 1 \
        || pg_run "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -qc \
            "CREATE ROLE $PG_ROLE LOGIN CREATEDB" >/dev/null \
        || die "could not create the $PG_ROLE database role."
}

pg_stop() {
    if pg_is_running; then
        pg_run "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    fi
}

psql_odoo() {
    "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U "$PG_ROLE" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

# customer_file's encryption keys (identity numbers): generated once into the cache, never
# committed, shared by the checkouts that share the cache (and its database cluster).
encryption_key_lines() {
    local file="$CACHE_DIR/encryption-keys.conf"
    if [ ! -s "$file" ]; then
        (umask 077 && "$PYTHON_BIN" -c 'import base64, secrets
key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()
print(f"customer_file_encryption_keys = dev1:{key()}\ncustomer_file_hmac_key = {key()}")' \
            > "$file.tmp" && mv "$file.tmp" "$file") || die "could not write $file."
    fi
    cat "$file"
}

odoo_config() {
    local keys
    keys=$(encryption_key_lines) || exit 1
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_PY_PATH/odoo/addons,$REPO_DIR
data_dir = $CACHE_DIR/data
db_host = $PG_SOCKET_DIR
db_port = $PG_PORT
db_user = $PG_ROLE
http_interface = 127.0.0.1
http_port = ${CUSTOMER_FILE_HTTP_PORT:-8069}
$keys
CONF
    chmod 600 "$ODOO_CONF"
}

odoo() {
    "$VENV_DIR/bin/python" -m odoo "$@"
}

# Debian's odoo-19 drops minified libraries it cannot rebuild; the web client still lists
# selfie_segmentation.js (Discuss's background blur) in its assets, and the missing file is an
# error in every browser page, which fails the tours. An empty module takes its place: the
# blur stays unavailable, as it already is with Debian's package.
odoo_missing_assets() {
    local selfie="$ODOO_PY_PATH/odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
    [ -n "${ODOO_SRC:-}" ] || [ -f "$selfie" ] && return 0
    mkdir -p "$(dirname "$selfie")"
    printf '/* Removed from Debian'"'"'s odoo-19 package (minified, no source). */\n' > "$selfie"
}

provision() {
    check_disk
    system_packages
    odoo_tree
    odoo_missing_assets
    python_venv
    pg_start
    odoo_config
}
