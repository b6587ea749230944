#!/usr/bin/env bash
# Apple's buildpass (github.com/apple/pass-builder) beside `passline pass build`: the same pass,
# imported from Apple's sample StoreCard, built and signed by each with the same credentials, one
# process per pass as both tools work, alternating A B A B on one core.
#
#   1. a development PKI (`passline certs dev`), its key and certificate also as a .p12 for buildpass;
#   2. `passline template import Tests/Fixtures/apple-sample-passes/StoreCard.pkpass` → a template;
#   3. the pass folder buildpass signs: the pass Passline builds from that template, unzipped, its
#      manifest and signature removed (so both sign the same pass.json and images);
#   4. RUNS runs of each: `buildpass sign DIR …` and `passline pass build --template T …`, pinned to
#      CPU 0 with taskset, timed by the kernel's accounting of each child (wall, user + sys);
#   5. both outputs verified: `passline pass verify` and `openssl cms -verify` of the signature.
#
# Usage: BUILDPASS=/path/to/buildpass scripts/bench-buildpass.sh
#        PASS_BUILDER_DIR=/path/to/a/pass-builder/checkout scripts/bench-buildpass.sh  (builds buildpass there, release)
# Environment: RUNS (30), PASSLINE_BIN (a release passline; else built with --scratch-path .build-bench).
# buildpass's own package pins versions that may differ from those installed; see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
if [[ -z ${BUILDPASS:-} ]]; then
  [[ -n ${PASS_BUILDER_DIR:-} ]] || { echo "set BUILDPASS (a buildpass binary) or PASS_BUILDER_DIR (an apple/pass-builder checkout)" >&2; exit 2; }
  (cd "$PASS_BUILDER_DIR" && swift build -c release --product buildpass >/dev/null)
  BUILDPASS=$PASS_BUILDER_DIR/.build/release/buildpass
fi
if [[ -n ${PASSLINE_BIN:-} ]]; then
  bin=$PASSLINE_BIN
else
  swift build -c release --scratch-path .build-bench --product passline >/dev/null
  bin=$(swift build -c release --scratch-path .build-bench --show-bin-path)/passline
fi
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" certs dev --out "$work/certs" >/dev/null
openssl pkcs12 -export -in "$work/certs/pass.pem" -inkey "$work/certs/pass.key" -out "$work/certs/pass.p12" -passout pass:bench
openssl x509 -in "$work/certs/wwdr.pem" -outform der -out "$work/certs/wwdr.cer"
"$bin" template import Tests/Fixtures/apple-sample-passes/StoreCard.pkpass --out "$work/template" >/dev/null
creds=(--cert "$work/certs/pass.pem" --key "$work/certs/pass.key" --wwdr "$work/certs/wwdr.pem")
"$bin" pass build --template "$work/template" --out "$work/first.pkpass" "${creds[@]}" >/dev/null
mkdir "$work/dir"
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$work/first.pkpass" "$work/dir"
rm "$work/dir/manifest.json" "$work/dir/signature"

export BUILDPASS_PASS_CERTIFICATE_PASSWORD=bench
python3 - "$RUNS" "$work" "$BUILDPASS" "$bin" "${creds[@]}" <<'PY'
import os, statistics, subprocess, sys, time
runs, work, buildpass, passline, creds = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
commands = {
    "buildpass": ["taskset", "-c", "0", buildpass, "sign", f"{work}/dir", "--pass-certificate", f"{work}/certs/pass.p12",
                  "--wwdr-certificate", f"{work}/certs/wwdr.cer", "--output", f"{work}/buildpass.pkpass", "--overwrite-existing"],
    "passline": ["taskset", "-c", "0", passline, "pass", "build", "--template", f"{work}/template", "--out", f"{work}/passline.pkpass"] + creds,
}
def run(cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    err = p.stderr.read().decode(); p.stderr.close()
    if status != 0: sys.exit(f"{cmd[3]} failed: {err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
for cmd in commands.values(): run(cmd)  # warm-up
figures = {name: [] for name in commands}
for _ in range(runs):
    for name, cmd in commands.items(): figures[name].append(run(cmd))
print(f"{runs} runs each, alternating, on CPU 0")
print(f"{'':10} {'wall ms (min/median/max)':>28} {'cpu ms (median)':>16} {'peak RSS MB':>12}")
med = {}
for name, rows in figures.items():
    walls = [r[0] * 1000 for r in rows]; cpus = [r[1] * 1000 for r in rows]; rss = [r[2] for r in rows]
    med[name] = (statistics.median(walls), statistics.median(cpus))
    print(f"{name:10} {min(walls):8.1f} / {statistics.median(walls):6.1f} / {max(walls):6.1f} {statistics.median(cpus):16.1f} {statistics.median(rss):12.1f}")
ratios = sorted(b[0] / a[0] for a, b in zip(figures["buildpass"], figures["passline"]))
print(f"passline / buildpass, wall, pair by pair: median {statistics.median(ratios):.2f} (min {ratios[0]:.2f}, max {ratios[-1]:.2f})")
PY
for out in buildpass passline; do
  size=$(stat -c %s "$work/$out.pkpass")
  mkdir "$work/v-$out" && python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$work/$out.pkpass" "$work/v-$out"
  openssl cms -verify -binary -inform DER -in "$work/v-$out/signature" -content "$work/v-$out/manifest.json" \
    -CAfile "$work/certs/root.pem" -purpose any -out /dev/null 2>/dev/null && cms=ok || cms=FAILED
  "$bin" pass verify "$work/$out.pkpass" --trust "$work/certs/root.pem" >/dev/null 2>&1 && verify=ok || verify=FAILED
  echo "$out: $size bytes; openssl cms -verify: $cms; passline pass verify: $verify"
done
