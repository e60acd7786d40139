#!/usr/bin/env bash
# Issue 18's GPU checks, prepared for one short device session (about 6 minutes of an H100's time):
#   1. the benchmark's GPU cases, torch float32 on CUDA with device streams (--quick):
#      e, the quadratic at d = 1e6, R = 16, and g, the CNN at 64 channels (d = 23 690), R = 16;
#      compare e with the 2-core numpy figure of benchmarks/README.md ("Case e on numpy");
#   2. three records of the quick verification suite (a bound, a floor, a rate) with every run on
#      torch, CUDA, device streams: the verdicts must be the expected ones.
#
#   bash benchmarks/device_check.sh wheels   # here, with a network: the packages the GPU image lacks
#                                            # (array-api-compat, tomli-w: 90 kB) as Python 3.12 wheels
#                                            # in .whl/ (ignored by git); cvxpy, imported only by the
#                                            # heterogeneity fit and the PEP bounds, is not needed here
#   bash benchmarks/device_check.sh [OUT]    # there (carry .whl): six files under OUT (default $OUT):
#                                            # machine.txt, bench.txt and its json, verify.txt, report.md,
#                                            # checks.json
#
# DEVICE=cpu runs step 2 on CPU torch instead (a dry run of the plumbing; step 1 needs CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "wheels" ]]; then
    grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        -d .whl array-api-compat==1.16.0 tomli-w==1.2.0
    ls -l .whl
    exit 0
fi

out=${1:-${OUT:-out/device_check}}
device=${DEVICE:-cuda}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
if [[ -d .whl ]]; then  # the GPU image has torch, numba, numpy, scipy, sympy, pandas; not these
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # the project from its checkout (no install there)
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  python3 -c "import torch, numpy, numba; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), \
'numpy', numpy.__version__, 'numba', numba.__version__)"; } 2>&1 | tee "$out/machine.txt"

if [[ "$device" == cuda* ]]; then
    timeout 300 python3 -m benchmarks --quick --no-grid --backend torch --dtype float32 --device "$device" \
        --cases e g --out "$out" > "$out/bench.txt" 2>&1 || echo "benchmarks: exit $?" >> "$out/bench.txt"
    tail -8 "$out/bench.txt"
fi
report=$(mktemp -d)  # its plots stay behind: a device call brings back 8 files at most
timeout 240 python3 -m sims.cli verify byz_vr_marina.thm2_1 robust_dgd.nc byz_dm21.nc --quick --backend torch \
    --device "$device" --rng device --out "$report" > "$out/verify.txt" 2>&1 || echo "verify: exit $?" >> "$out/verify.txt"
cp "$report/report.md" "$report/checks.json" "$out/" 2>/dev/null || true
tail -3 "$out/verify.txt"
