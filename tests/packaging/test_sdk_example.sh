#!/usr/bin/env bash
# The plugin SDK: install the dev component (headers, find_package(HpT) files)
# beside the runtime it needs (libhptsdk.so.0 ships with the program), build
# the example plugins out of tree against HpT::sdk, check that they link
# libhptsdk and not libhptcore, and load them with hpt.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/sdk" --component dev >/dev/null
cmake --install "$build" --prefix "$tmp/sdk" --component runtime >/dev/null
[[ -f "$tmp/sdk/include/hpt/Model.h" ]] || fail "SDK header hpt/Model.h not installed by --component dev"
[[ -n "$(find "$tmp/sdk" -name 'libhptsdk.so*' -print -quit)" ]] || fail "libhptsdk not installed"

cmake -S "$src/plugins/examples" -B "$tmp/examples" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$tmp/sdk" >"$tmp/examples.log" 2>&1 || { cat "$tmp/examples.log"; fail "configure examples against the SDK"; }
cmake --build "$tmp/examples" >>"$tmp/examples.log" 2>&1 || { cat "$tmp/examples.log"; fail "build examples against the SDK"; }

n=0
for so in "$tmp"/examples/plugins/*/*.so; do
  needed=$(readelf -d "$so" | grep NEEDED || true)
  grep -q libhptcore <<<"$needed" && fail "$(basename "$so") links libhptcore"
  n=$((n + 1))
done
[[ "$n" -eq 3 ]] || fail "expected 3 example plugins, built $n"

json=$("$build/app/hpt" plugins --json --plugin-dir "$tmp/examples/plugins")
python3 - "$json" <<'PY' || fail "an example plugin did not reach state initialized: $json"
import json, sys
specs = [s for s in json.loads(sys.argv[1])["plugins"] if "/examples/plugins/" in s["file"]]
names = {s.get("name"): s["state"] for s in specs}
want = {"example_attention", "example_sine", "example_flat"}
sys.exit(0 if len(specs) == 3 and all(names.get(n) == "initialized" for n in want) else 1)
PY
echo "sdk: 3 example plugins built against HpT::sdk alone and loaded"
