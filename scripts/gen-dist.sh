#!/usr/bin/env bash
# Regenerates dist/: what the .deb ships beside the binary, made from the sources so it never drifts.
#   dist/presswatch.toml         config/presswatch.toml with the system's store and socket paths set
#   dist/man/*.1                 `presswatch man --dir` (clap_mangen, from src/cli.rs)
#   dist/completions/*           `presswatch completions bash|zsh|fish` (clap_complete, from src/cli.rs)
# tests/packaging.rs fails when dist/ is not what this script writes; run it after changing the CLI or the config.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/presswatch
rm -rf dist/man dist/completions
mkdir -p dist/man dist/completions
sed -e 's|^# path = "/var/lib/presswatch"|path = "/var/lib/presswatch"|' \
    -e 's|^# socket = "/run/presswatch/presswatch.sock"|socket = "/run/presswatch/presswatch.sock"|' \
    config/presswatch.toml > dist/presswatch.toml
"$bin" man --dir dist/man
"$bin" completions bash > dist/completions/presswatch.bash
"$bin" completions zsh > dist/completions/_presswatch
"$bin" completions fish > dist/completions/presswatch.fish
echo "dist/ regenerated: $(ls dist/man | wc -l) man pages, 3 completion scripts, the packaged config"
