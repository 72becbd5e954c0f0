#!/usr/bin/env bash
# Packaging end to end: cmake --install → hpt --version / hpt plugins from the
# installed files → example plugins built out of tree with find_package(HpT)
# and loaded by the installed hpt → a tiny batch run from installed files →
# cpack .deb unpacked into a scratch root and run from there.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
hpt="$tmp/prefix/bin/hpt"
[[ -x "$hpt" ]] || fail "no bin/hpt after cmake --install"
ver=$("$hpt" --version)
[[ "$ver" == hpt\ * ]] || fail "hpt --version printed '$ver'"
echo "installed: $ver"

# Every plugin built in the tree must load from the installed layout, with no
# environment variables, and none may be rejected.
built=$(find "$build/plugins" -name '*.so' | wc -l)
json=$(env -u HPT_PLUGIN_PATH "$hpt" plugins --json)
loaded=$(python3 -c 'import json,sys; print(sum(s["state"] == "initialized" for s in json.load(sys.stdin)["plugins"]))' <<<"$json")
rejected=$(python3 -c 'import json,sys; print(sum(s["state"] != "initialized" for s in json.load(sys.stdin)["plugins"]))' <<<"$json")
[[ "$loaded" -eq "$built" ]] || fail "installed hpt loaded $loaded plugins, build tree has $built"
[[ "$rejected" -eq 0 ]] || fail "installed hpt rejected $rejected plugins: $json"
echo "installed hpt loads all $loaded bundled plugins"
[[ -f "$tmp/prefix/include/hpt/Model.h" ]] || fail "SDK header hpt/Model.h not installed"
[[ -f "$tmp/prefix/share/applications/org.hpt.Workbench.desktop" ]] || fail "desktop file not installed"
grep -q "^MimeType=.*sqlite" "$tmp/prefix/share/applications/org.hpt.Workbench.desktop" || fail "desktop entry does not open .sqlite stores"
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$tmp/prefix/share/metainfo/org.hpt.Workbench.metainfo.xml" >/dev/null \
    || fail "AppStream metainfo does not validate"
fi

# Out-of-tree plugin build against the installed SDK.
cmake -S "$src/plugins/examples" -B "$tmp/examples" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/examples.log" 2>&1 || { cat "$tmp/examples.log"; fail "configure examples"; }
cmake --build "$tmp/examples" >>"$tmp/examples.log" 2>&1 || { cat "$tmp/examples.log"; fail "build examples"; }
out=$("$hpt" plugins --plugin-dir "$tmp/examples/plugins")
for name in example_attention example_sine example_flat; do
  grep -q " $name " <<<"$out" || { echo "$out"; fail "example plugin $name not loaded by installed hpt"; }
done
if grep -q "error:" <<<"$out"; then echo "$out"; fail "a plugin failed to load"; fi
echo "example plugins (model, dataset, device) built out of tree and loaded"

# A tiny batch run from the installed files, when the engine is built in.
exp="$tmp/prefix/share/hpt/experiments/default.json"
if [[ -f "$exp" ]]; then
  "$hpt" --batch "$exp" --store "$tmp/runs.sqlite" --set training.max_steps=3 --set switching.mode=full \
    >"$tmp/batch.log" 2>&1 || { cat "$tmp/batch.log"; fail "batch run from installed files"; }
  [[ -s "$tmp/runs.sqlite" ]] || fail "batch run left no store"
  echo "tiny batch run from installed files: ok"
fi

# The .deb: build it, check its control data and contents, unpack and run.
(cd "$build" && cpack -G DEB -B "$tmp/deb" >/dev/null)
deb=$(ls "$tmp"/deb/*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
grep -q libopenblas0-pthread <<<"$depends" || fail ".deb does not depend on OpenBLAS"
grep -q libtorch <<<"$depends" || fail ".deb does not depend on libtorch"
contents=$(dpkg-deb -c "$deb")  # not piped into grep -q: an early exit would SIGPIPE dpkg-deb
grep -q "usr/bin/hpt$" <<<"$contents" || fail ".deb has no usr/bin/hpt"
grep -q "hpt/plugins/" <<<"$contents" || fail ".deb has no plugins"
dpkg-deb -x "$deb" "$tmp/root"
[[ "$("$tmp/root/usr/bin/hpt" --version)" == hpt\ * ]] || fail "hpt from the unpacked .deb does not run"
n=$(env -u HPT_PLUGIN_PATH "$tmp/root/usr/bin/hpt" plugins --json |
    python3 -c 'import json,sys; print(sum(s["state"] == "initialized" for s in json.load(sys.stdin)["plugins"]))')
[[ "$n" -eq "$built" ]] || fail "hpt from the .deb loaded $n plugins, expected $built"
echo ".deb $(basename "$deb"): depends ok, runs, loads $n plugins"
echo "packaging: 1 passed, 0 failed"
