#!/usr/bin/env bash
# Times `leakhound image` on a generated image of thousands of files (>= 500 MB uncompressed):
# pulled from a local registry, and read from an OCI archive and from `docker save`-style output
# (made with skopeo), with throughput (uncompressed MB/s) and peak RSS (/usr/bin/time -v);
# Kingfisher on the same docker archive when it installs and runs here.
#
#   benches/image.sh [--size-mb N] [--no-build] [--no-kingfisher]
#
# Needs python3, docker-registry, skopeo and /usr/bin/time (.ci/run installs the first three).
# Everything it writes lands in benches/results/<stamp>-image/ (git ignores it); stdout is a
# Markdown table, progress goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LEAKHOUND=$ROOT/target/release/leakhound
VENV=$ROOT/benches/.peers/venv
KINGFISHER_SPEC=kingfisher-bin==2.14.0
SIZE_MB=600
BUILD=1
KINGFISHER=1
while (($#)); do
    case $1 in
        --size-mb) SIZE_MB=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --no-kingfisher) KINGFISHER=0; shift ;;
        *) echo "usage: benches/image.sh [--size-mb N] [--no-build] [--no-kingfisher]" >&2; exit 2 ;;
    esac
done
log() { printf '%s\n' "$*" >&2; }
for tool in python3 docker-registry skopeo /usr/bin/time; do
    command -v "$tool" >/dev/null || { log "missing: $tool"; exit 2; }
done

OUT=$ROOT/benches/results/$(date -u +%Y%m%dT%H%M%SZ)-image
mkdir -p "$OUT"
((BUILD)) && { log "cargo build --release"; (cd "$ROOT" && cargo build --release -q); }

# --- The image: 6 layers of ~1,000 text files each, a few fake secrets, one deleted later. ---
log "generating a ${SIZE_MB} MB image in $OUT/layout"
python3 - "$OUT/layout" "$SIZE_MB" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
out, size_mb = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
rng = random.Random(7)
words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz_') for _ in range(rng.randint(2, 10)))
         for _ in range(5000)]
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{h}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
def text(n):
    lines, size = [], 0
    while size < n:
        line = ' '.join(rng.choice(words) for _ in range(rng.randint(3, 14))) + '\n'
        lines.append(line); size += len(line)
    return ''.join(lines).encode()
def fake_key(i):
    r = random.Random(1000 + i)
    return 'AKIA' + ''.join(r.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') for _ in range(16))
layers, history, diff_ids, total = [], [], [], 0
n_layers, per_layer = 6, size_mb * 1024 * 1024 // 6
for li in range(n_layers):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        written, fi = 0, 0
        while written < per_layer:
            data = text(rng.randint(4_000, 500_000))
            if fi == 10:
                data += f"AWS_ACCESS_KEY_ID={fake_key(li)}\n".encode()
            info = tarfile.TarInfo(f"srv/layer{li}/dir{fi % 37}/file{fi}.txt")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
            written += len(data); fi += 1
        if li == n_layers - 1:
            info = tarfile.TarInfo("srv/layer0/dir10/.wh.file10.txt"); info.size = 0
            t.addfile(info, io.BytesIO(b""))
    raw = buf.getvalue(); total += len(raw)
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    d = blob(gzip.compress(raw, compresslevel=1))
    d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    layers.append(d)
    history.append({"created_by": f"COPY layer{li} /srv/layer{li}"})
config = json.dumps({"os": "linux", "architecture": "amd64", "config": {"Env": ["PATH=/bin"]},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history}).encode()
c = blob(config); c["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": c, "layers": layers}).encode()
m = blob(manifest); m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
json.dump({"schemaVersion": 2, "manifests": [m]}, open(f"{out}/index.json", "w"))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(f"{out}/../uncompressed-bytes", "w").write(str(total))
PY
BYTES=$(cat "$OUT/uncompressed-bytes")
tar -C "$OUT/layout" -cf "$OUT/image.oci.tar" .
skopeo copy -q "oci:$OUT/layout:bench" "docker-archive:$OUT/image.docker.tar:bench:1"
log "uncompressed: $((BYTES / 1024 / 1024)) MiB; archive: $(du -m "$OUT/image.oci.tar" | cut -f1) MiB"

# --- A local registry on a free port, with the image pushed to it. ---
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$OUT/registry.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $OUT/registry } }
http: { addr: 127.0.0.1:$PORT }
YML
docker-registry serve "$OUT/registry.yml" >"$OUT/registry.log" 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break
    sleep 0.1
done
log "pushing to 127.0.0.1:$PORT with skopeo"
skopeo copy -q --dest-tls-verify=false "oci:$OUT/layout:bench" "docker://127.0.0.1:$PORT/bench:1"

# --- Timed runs: one warm-up each, then the timed one. A run that fails gets its first error line.
measure() { # name, ok exit codes ("0 1"), command...
    local name=$1 ok=$2 code=0 secs rss cpu
    shift 2
    "$@" >/dev/null 2>&1 || true
    /usr/bin/time -v "$@" >"$OUT/$name.out" 2>"$OUT/$name.time" || code=$?
    if [[ " $ok " != *" $code "* ]]; then
        printf '| %s | failed (exit %s): %s | | | |\n' "$name" "$code" \
            "$(grep -m1 -iE 'error|did not|failed' "$OUT/$name.time" | tr -d '|' | cut -c1-100)"
        return
    fi
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$OUT/$name.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$OUT/$name.time")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$OUT/$name.time")
    printf '| %s | %.2f s | %.2f s | %.0f MB/s | %s MiB |\n' "$name" "$secs" "$cpu" \
        "$(echo "$BYTES / 1000000 / $secs" | bc -l)" "$rss"
}
echo "Image: $((BYTES / 1000000)) MB uncompressed in 6 gzip layers; $(nproc) cores."
echo
echo "(CPU = user + system seconds: on a shared machine wall time also counts waiting for a core.)"
echo
echo "| run | wall | CPU | throughput (wall) | peak RSS |"
echo "|---|---:|---:|---:|---:|"
measure "leakhound, registry" "0 1" "$LEAKHOUND" image --no-progress --format json \
    --insecure-registry "127.0.0.1:$PORT" "127.0.0.1:$PORT/bench:1"
measure "leakhound, oci-archive" "0 1" "$LEAKHOUND" image --no-progress --format json \
    "oci-archive:$OUT/image.oci.tar"
measure "leakhound, docker-archive" "0 1" "$LEAKHOUND" image --no-progress --format json \
    "docker-archive:$OUT/image.docker.tar"
if ((KINGFISHER)); then
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV" >>"$OUT/install.log" 2>&1 || true
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$KINGFISHER_SPEC" \
        >>"$OUT/install.log" 2>&1 || true
    KF=$("$VENV/bin/python" -m pip show -f kingfisher-bin 2>/dev/null | awk '
        /^Location:/ { l = $2 } /^Files:/ { f = 1; next }
        f && $1 ~ /\/bin\/kingfisher$/ { print l "/" $1; exit }' || true)
    if [[ -n $KF && -f $KF ]]; then
        chmod +x "$KF"
        export KF_RULE_CACHE_DIR=$ROOT/benches/.peers/kingfisher-cache
        measure "kingfisher, docker-archive" "0 200" "$KF" scan docker \
            --archive "$OUT/image.docker.tar" --no-validate --no-update-check --format json \
            --redact --quiet
    else
        echo "| kingfisher | not available here (see $OUT/install.log) | | | |"
    fi
fi
log "leakhound findings (oci-archive): $(grep -c '"rule_id"' "$OUT/leakhound, oci-archive.out" || true)"
