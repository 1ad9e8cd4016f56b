#!/usr/bin/env bash
# Installs the Debian packages the test suites use, when missing. Idempotent; quiet when all present.
set -euo pipefail
packages=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-mysqld-exporter
  prometheus-blackbox-exporter mariadb-server openssl systemd-container debootstrap
  openssh-client iproute2 dpkg-dev "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# policy-rc.d keeps the packages' own services from starting: the tests start what they need.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
