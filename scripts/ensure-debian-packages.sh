#!/usr/bin/env bash
# Installs the Debian packages the test suites use, when missing. Idempotent; quiet when all present.
# Every distribution package a component installs is listed (src/components/registry.test.ts checks).
set -euo pipefail
packages=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-mysqld-exporter
  prometheus-blackbox-exporter victoria-metrics mariadb-server openssl systemd-container debootstrap
  openssh-client iproute2 dpkg-dev python3-yaml "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# Another apt run (unattended-upgrades) may hold a lock: wait for it, 300 s at most in all, as
# apply does. DPkg::Lock::Timeout covers dpkg's locks; the package lists' lock is retried.
deadline=$((SECONDS + 300))
apt_get() {
  local output remaining
  while :; do
    remaining=$((deadline - SECONDS))
    [ "$remaining" -gt 0 ] || remaining=0
    if output=$($sudo env DEBIAN_FRONTEND=noninteractive apt-get -o "DPkg::Lock::Timeout=$remaining" "$@" 2>&1); then
      return 0
    fi
    if grep -q "Could not get lock\|Unable to acquire the dpkg frontend lock" <<<"$output" && [ "$SECONDS" -lt "$deadline" ]; then
      sleep 2
      continue
    fi
    printf '%s\n' "$output" >&2
    return 1
  done
}

# policy-rc.d keeps the packages' own services from starting: the tests start what they need.
# It carries apply's marker, so that a leftover of a killed run is recognised and removed.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# stackmon apply: package services start only under stackmon'"'"'s units\nexit 101\n' |
    $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt_get update -qq
apt_get install -y -qq --no-install-recommends "${missing[@]}"
