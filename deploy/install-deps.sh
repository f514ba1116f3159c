#!/usr/bin/env bash
# Installs kizashi's build and test dependencies from Debian 12 packages. Idempotent: only
# missing packages are installed, so re-running it is cheap.
#
# As root it runs apt-get directly; otherwise through sudo. Without root or sudo it prints the
# command an administrator must run (see README "Set-up as a non-root user").
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache clang-14 libclang-rt-14-dev
  # libraries (Debian 12 only; nothing downloaded at build time)
  librdkafka-dev libhyperscan-dev librocksdb-dev libabsl-dev prometheus-cpp-dev
  libbenchmark-dev libgtest-dev libgmock-dev libsimdjson-dev libyaml-cpp-dev libssl-dev
  libre2-dev libpcre2-dev
  # test and benchmark tools: Kafka runs on Java 17 (jars fetched by Maven into ~/.m2),
  # kcat for producing/consuming, SEC as a peer baseline, promtool, gnuplot for plots
  openjdk-17-jre-headless maven kcat sec prometheus gnuplot-nox python3 python3-jsonschema
  python3-yaml procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo)
else
  echo "install-deps: these Debian packages are missing and this user cannot install them:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq || true
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
