#!/usr/bin/env bash
# stackmon installer: from nothing to a verified monitoring stack in one command.
#
#   curl -fsSL https://raw.githubusercontent.com/<owner>/stackmon/main/install.sh \
#     | sudo bash -s -- --config <path or URL of stackmon.yml>
#
# Checks the OS, makes sure Node.js >= 20 is there, installs stackmon under /opt/stackmon, then
# runs `stackmon apply` and `stackmon verify`. Safe to run again: every step converges.
#
# Everything it downloads comes over https and is checked before use; everything it unpacks is
# owned by root, whoever owned it in the archive. The script is all functions until its last
# line, so a download cut short runs nothing.
set -euo pipefail
umask 022

STACKMON_PREFIX=/opt/stackmon
STACKMON_BIN=/usr/local/bin/stackmon
CONFIG_TARGET=/etc/stackmon/stackmon.yml
NODE_MAJOR_MIN=20
# The npm package; a tarball URL or path (npm pack output) with --package.
STACKMON_PACKAGE=${STACKMON_PACKAGE:-stackmon}

config=""
package="$STACKMON_PACKAGE"
node_source=""
node_sha256=""
verify_wait="120s"
apply_args=()
skip_verify=0
skip_apply=0

usage() {
  cat <<'EOF'
Usage: install.sh --config PATH|URL [options]

  --config PATH|URL        stackmon.yml to install as /etc/stackmon/stackmon.yml
                           (may be left out on a re-run: the installed one is used)
  --package NAME|URL|PATH  stackmon to install: an npm package name or a tarball (npm pack
                           output) by URL or path (default: the "stackmon" npm package)
  --node URL|PATH          a Node.js >= 20 to use when the system has none: an official
                           linux tarball (.tar.xz, .tar.gz, .tar) or a node binary, checked
                           against the SHASUMS256.txt next to it (as nodejs.org/dist has it)
  --node-sha256 HEX        the sha256 --node must have, instead of a SHASUMS256.txt
  --release-mirror URL     where upstream release tarballs come from (passed to apply; https)
  --release-sha256 ASSET=HEX  the sha256 a release tarball must have (passed to apply; repeatable)
  --verify-wait DURATION   how long verify waits for every check to pass (default 120s)
  --no-verify              apply only
  --no-apply               install Node.js, stackmon and the config only (then: stackmon plan)
  -h, --help               this help
EOF
}

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --config) config=${2:?--config needs a value}; shift 2 ;;
      --package) package=${2:?--package needs a value}; shift 2 ;;
      --node) node_source=${2:?--node needs a value}; shift 2 ;;
      --node-sha256) node_sha256=${2:?--node-sha256 needs a value}; shift 2 ;;
      --release-mirror) apply_args+=(--release-mirror "${2:?--release-mirror needs a value}"); shift 2 ;;
      --release-sha256) apply_args+=(--release-sha256 "${2:?--release-sha256 needs a value}"); shift 2 ;;
      --verify-wait) verify_wait=${2:?--verify-wait needs a value}; shift 2 ;;
      --no-verify) skip_verify=1; shift ;;
      --no-apply) skip_apply=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; die "unknown option $1" ;;
    esac
  done
  [ -z "$node_sha256" ] || [[ "$node_sha256" =~ ^[0-9a-fA-F]{64}$ ]] || die "--node-sha256 takes 64 hex digits"
}

# --- The OS: a systemd Linux with apt or dnf/yum -------------------------------------------
check_os() {
  [ -r /etc/os-release ] || die "cannot tell which OS this is (/etc/os-release is missing)"
  # shellcheck disable=SC1091
  . /etc/os-release
  family=""
  case " ${ID:-} ${ID_LIKE:-} " in
    *" debian "* | *" ubuntu "*) family=debian ;;
    *" rhel "* | *" fedora "* | *" centos "* | *" rocky "* | *" almalinux "*) family=rhel ;;
  esac
  [ -n "$family" ] || die "unsupported OS ${PRETTY_NAME:-unknown}: stackmon installs on Debian/Ubuntu or the RHEL family"
  [ -d /run/systemd/system ] || die "systemd is not running here; on a machine without systemd use \`stackmon up\`"
  say "OS: ${PRETTY_NAME:-$ID} ($family)"
}

# fetch SOURCE DEST: an https URL or a local path. Plain http is refused, redirects included:
# whatever comes from the network here runs as root.
fetch() {
  case "$1" in
    https://*) curl -fsSL --proto '=https' --proto-redir '=https' --tlsv1.2 --retry 3 -o "$2" "$1" ;;
    http://*) die "refusing $1: plain http can be altered on the way; use https:// or a local path" ;;
    *://*) die "unsupported URL $1: use https:// or a local path" ;;
    *) [ -f "$1" ] || die "no such file: $1"; cp "$1" "$2" ;;
  esac
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The sha256 a --node download must have, into $expected_sha256: --node-sha256, else its line in
# the SHASUMS256.txt published next to it (nodejs.org/dist/vX.Y.Z/SHASUMS256.txt lists every file
# of a release).
node_expected_sha256() {
  local source=$1 sums_source
  sums_source="$(dirname "$source")/SHASUMS256.txt"
  if [ -n "$node_sha256" ]; then
    expected_sha256=$(printf '%s' "$node_sha256" | tr 'A-F' 'a-f')
    return
  fi
  case "$sums_source" in
    https://*) ;;
    *) [ -f "$sums_source" ] || die "cannot verify $source: no $sums_source (or give --node-sha256 HEX)" ;;
  esac
  fetch "$sums_source" "$work/SHASUMS256.txt" ||
    die "cannot verify $source: no $sums_source (or give --node-sha256 HEX)"
  expected_sha256=$(awk -v name="$(basename "$source")" \
    '$2 == name || $2 == "*" name { print tolower($1); exit }' "$work/SHASUMS256.txt")
  [ -n "$expected_sha256" ] || die "cannot verify $source: $(basename "$source") is not listed in $sums_source"
}

# Unpacks as root's own files whatever owner and mode the archive recorded (official Node.js
# tarballs record uid 1001: keeping it would let that user replace the node that runs apply).
extract_owned_by_root() { # extract_owned_by_root ARCHIVE DIR [tar options...]
  local archive=$1 dir=$2
  shift 2
  tar -x --no-same-owner --no-same-permissions "$@" -f "$archive" -C "$dir"
  chown -R root:root "$dir"
  chmod -R u-s,g-s,go-w "$dir"
}

# --- Node.js >= 20 --------------------------------------------------------------------------
node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

find_node() {
  node_bin=""
  if [ -x "$STACKMON_PREFIX/node/bin/node" ] && [ "$(node_major "$STACKMON_PREFIX/node/bin/node")" -ge $NODE_MAJOR_MIN ]; then
    node_bin="$STACKMON_PREFIX/node/bin/node"
  elif command -v node >/dev/null && [ "$(node_major "$(command -v node)")" -ge $NODE_MAJOR_MIN ]; then
    node_bin=$(command -v node)
  fi
}

install_node_from() { # an official tarball or a bare binary, into $STACKMON_PREFIX/node
  local source=$1 file="$work/node-download" actual
  say "installing Node.js from $source"
  fetch "$source" "$file" || die "cannot download $source"
  node_expected_sha256 "$source"
  actual=$(sha256_of "$file")
  [ "$actual" = "$expected_sha256" ] ||
    die "$source does not match its checksum (expected $expected_sha256, got $actual); nothing installed"
  rm -rf "$STACKMON_PREFIX/node.new"
  mkdir -p "$STACKMON_PREFIX/node.new"
  case "$source" in
    *.tar.xz) extract_owned_by_root "$file" "$STACKMON_PREFIX/node.new" -J --strip-components=1 ;;
    *.tar.gz | *.tgz) extract_owned_by_root "$file" "$STACKMON_PREFIX/node.new" -z --strip-components=1 ;;
    *.tar) extract_owned_by_root "$file" "$STACKMON_PREFIX/node.new" --strip-components=1 ;;
    *) mkdir -p "$STACKMON_PREFIX/node.new/bin" && install -m 0755 -o root -g root "$file" "$STACKMON_PREFIX/node.new/bin/node" ;;
  esac
  [ "$(node_major "$STACKMON_PREFIX/node.new/bin/node")" -ge $NODE_MAJOR_MIN ] ||
    die "$source is not a Node.js >= $NODE_MAJOR_MIN for this machine"
  rm -rf "$STACKMON_PREFIX/node.old"
  [ ! -e "$STACKMON_PREFIX/node" ] || mv "$STACKMON_PREFIX/node" "$STACKMON_PREFIX/node.old"
  mv "$STACKMON_PREFIX/node.new" "$STACKMON_PREFIX/node"
  rm -rf "$STACKMON_PREFIX/node.old"
  node_bin="$STACKMON_PREFIX/node/bin/node"
}

install_node_from_packages() {
  if [ "$family" = debian ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    candidate=$(apt-cache policy nodejs | sed -n 's/^ *Candidate: *//p')
    if [ "${candidate%%.*}" -lt $NODE_MAJOR_MIN ] 2>/dev/null || [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
      # The distribution's Node.js is too old (Debian 12 ships 18): NodeSource's repository.
      say "the distribution offers nodejs ${candidate:-none}; adding NodeSource's Node.js $NODE_MAJOR_MIN.x repository"
      apt-get install -y -q --no-install-recommends ca-certificates curl gnupg
      mkdir -p /etc/apt/keyrings
      curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key |
        gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
      echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODE_MAJOR_MIN.x nodistro main" \
        >/etc/apt/sources.list.d/nodesource.list
      apt-get update -q
    fi
    apt-get install -y -q --no-install-recommends nodejs
  else
    if command -v dnf >/dev/null; then
      dnf module enable -y "nodejs:$NODE_MAJOR_MIN" >/dev/null 2>&1 || true
      dnf install -y nodejs npm
    else
      yum install -y nodejs npm
    fi
  fi
  node_bin=$(command -v node || true)
  [ -n "$node_bin" ] && [ "$(node_major "$node_bin")" -ge $NODE_MAJOR_MIN ] ||
    die "could not install Node.js >= $NODE_MAJOR_MIN; give one with --node URL"
}

ensure_node() {
  find_node
  if [ -z "$node_bin" ]; then
    if [ -n "$node_source" ]; then install_node_from "$node_source"; else install_node_from_packages; fi
  fi
  node_dir=$(dirname "$node_bin")
  npm_bin="$node_dir/npm"
  [ -x "$npm_bin" ] || npm_bin=$(command -v npm || true)
  [ -n "$npm_bin" ] || die "npm is missing next to $node_bin"
  export PATH="$node_dir:$PATH"
  say "Node.js $("$node_bin" --version) at $node_bin"
}

# --- stackmon itself, into $STACKMON_PREFIX/app (swapped in whole) --------------------------
install_stackmon() {
  say "fetching stackmon from $package"
  case "$package" in
    http://* | https://* | /* | ./* | *.tgz | *.tar.gz) fetch "$package" "$work/stackmon.tgz" ;;
    *)
      (cd "$work" && "$npm_bin" pack --silent "$package" >/dev/null) || die "cannot fetch the npm package $package"
      mv "$work"/*.tgz "$work/stackmon.tgz"
      ;;
  esac
  package_sum=$(sha256sum "$work/stackmon.tgz" | cut -d' ' -f1)
  if [ -f "$STACKMON_PREFIX/app/.package-sha256" ] && [ "$(cat "$STACKMON_PREFIX/app/.package-sha256")" = "$package_sum" ]; then
    say "stackmon is already installed from this package"
  else
    staging="$STACKMON_PREFIX/app.new"
    rm -rf "$staging"
    mkdir -p "$staging"
    extract_owned_by_root "$work/stackmon.tgz" "$staging" -z --strip-components=1
    [ -f "$staging/dist/cli/main.js" ] && grep -q '"name": *"stackmon"' "$staging/package.json" ||
      die "$package is not a built stackmon package (no dist/cli/main.js)"
    # Dependencies are installed as root: exactly the versions and hashes the package pins.
    [ -f "$staging/npm-shrinkwrap.json" ] ||
      die "$package has no npm-shrinkwrap.json: its dependencies would be resolved afresh, as root; use a stackmon package that pins them"
    (
      cd "$staging"
      # Runtime dependencies only; the package is built already, its own scripts need not run.
      "$npm_bin" ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
    ) || die "npm could not install stackmon's dependencies"
    echo "$package_sum" >"$staging/.package-sha256"
    rm -rf "$STACKMON_PREFIX/app.old"
    [ ! -e "$STACKMON_PREFIX/app" ] || mv "$STACKMON_PREFIX/app" "$STACKMON_PREFIX/app.old"
    mv "$staging" "$STACKMON_PREFIX/app"
    rm -rf "$STACKMON_PREFIX/app.old"
  fi
  printf '#!/bin/sh\n# Installed by install.sh.\nexec "%s" "%s" "$@"\n' "$node_bin" "$STACKMON_PREFIX/app/dist/cli/main.js" \
    >"$STACKMON_BIN.new"
  chmod 0755 "$STACKMON_BIN.new"
  mv "$STACKMON_BIN.new" "$STACKMON_BIN"
  say "stackmon $("$node_bin" -p "require('$STACKMON_PREFIX/app/package.json').version") at $STACKMON_BIN"
}

# --- The configuration ------------------------------------------------------------------------
install_config() {
  mkdir -p "$(dirname "$CONFIG_TARGET")"
  chmod 0755 "$(dirname "$CONFIG_TARGET")"
  if [ -n "$config" ]; then
    if [ "$config" != "$CONFIG_TARGET" ]; then
      fetch "$config" "$work/stackmon.yml"
      install -m 0640 -o root -g root "$work/stackmon.yml" "$CONFIG_TARGET"
    fi
  elif [ ! -f "$CONFIG_TARGET" ]; then
    die "no configuration: give --config PATH|URL (\`stackmon init\` writes an example)"
  fi
  "$STACKMON_BIN" validate -c "$CONFIG_TARGET"
}

# --- Apply, then ask the running stack ---------------------------------------------------------
apply_and_verify() {
  if [ "$skip_apply" -eq 1 ]; then
    say "installed; see what apply would do with: stackmon plan -c $CONFIG_TARGET"
    return
  fi
  "$STACKMON_BIN" apply -c "$CONFIG_TARGET" ${apply_args[@]+"${apply_args[@]}"}
  if [ "$skip_verify" -eq 0 ]; then
    "$STACKMON_BIN" verify -c "$CONFIG_TARGET" --wait "$verify_wait"
  fi
  say "done: the stack matches $CONFIG_TARGET; run \`stackmon plan -c $CONFIG_TARGET\` to see drift"
}

main() {
  parse_args "$@"
  [ "$(id -u)" -eq 0 ] || die "run as root (curl ... | sudo bash -s -- ...)"
  check_os
  work=$(mktemp -d /tmp/stackmon-install.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  ensure_node
  install_stackmon
  install_config
  apply_and_verify
}

# Tests load the functions alone (STACKMON_INSTALL_FUNCTIONS_ONLY=1) to drive one step.
[ "${STACKMON_INSTALL_FUNCTIONS_ONLY:-}" = 1 ] || main "$@"
