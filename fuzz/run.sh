#!/usr/bin/env bash
# Runs every fuzz target for a fixed time (default 60 s each) with cargo-fuzz on nightly.
#   fuzz/run.sh            all targets, 60 s each
#   fuzz/run.sh 120 gzip   one target, 120 s
# Crashes land in fuzz/artifacts/TARGET/; add each as a regression test (tests/it/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(rules config gitleaks baseline ignorefile base64 gzip)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
# A few real inputs to start from, so the fuzzer need not discover TOML from nothing.
seed() {
  local dir="corpus/$1"
  [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return 0
  case "$1" in
    rules) cp ../rules/*.toml "$dir"/ ;;
    config) printf 'extend_default = true\nmax_file_size = "1MiB"\n[allowlist]\npaths = ["a/**"]\n' > "$dir/seed" ;;
    gitleaks) find ../testdata -name '*.toml' -exec cp {} "$dir"/ \; 2>/dev/null || true ;;
    baseline) printf '{"version":1,"findings":[{"fingerprint":"%064d"}]}' 0 > "$dir/seed" ;;
    ignorefile) printf '%064d # why\n0123456789abcdef\n' 0 > "$dir/seed" ;;
    base64) printf 'key: QUtJQVFXRVJUWVVJT1BBU0RGR0g=\n' > "$dir/seed" ;;
    gzip) printf 'token=ghp_x\n' | gzip -c > "$dir/seed" ;;
  esac
}
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  seed "$t"
  echo "== $t (${seconds}s)"
  if ! cargo +nightly fuzz run -O "$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536; then
    echo "== $t FOUND A CRASH: see fuzz/artifacts/$t/"
    status=1
  fi
done
exit $status
