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
# The desktop entry claims only the store's own MIME type, which is declared with a magic rule
# on SQLite's application_id; a store made by hpt is detected as that type, another SQLite file not.
grep -qx "MimeType=application/x-hpt-store;" "$tmp/prefix/share/applications/org.hpt.Workbench.desktop" \
  || fail "desktop entry must claim only application/x-hpt-store"
mimexml="$tmp/prefix/share/mime/packages/org.hpt.Workbench.xml"
[[ -f $mimexml ]] || fail "MIME type not installed"
grep -q 'sub-class-of type="application/vnd.sqlite3"' "$mimexml" || fail "x-hpt-store is not a subclass of SQLite"
for f in share/man/man1/hpt.1.gz share/bash-completion/completions/hpt share/zsh/vendor-completions/_hpt; do
  [[ -s "$tmp/prefix/$f" ]] || fail "$f not installed"
done
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
if [[ -s "$tmp/runs.sqlite" ]] && command -v update-mime-database >/dev/null && command -v gio >/dev/null && command -v python3 >/dev/null; then
  mkdir -p "$tmp/mime/mime/packages"
  cp /usr/share/mime/packages/freedesktop.org.xml "$mimexml" "$tmp/mime/mime/packages/"
  update-mime-database "$tmp/mime/mime" 2>/dev/null
  python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('create table t(x)')" "$tmp/other.sqlite"
  mt() { XDG_DATA_DIRS="$tmp/mime" XDG_DATA_HOME="$tmp/none" gio info -a standard::content-type "$1" | awk '/content-type/ {print $2}'; }
  [[ $(mt "$tmp/runs.sqlite") == application/x-hpt-store ]] || fail "a store is detected as $(mt "$tmp/runs.sqlite")"
  [[ $(mt "$tmp/other.sqlite") == application/vnd.sqlite3 ]] || fail "another SQLite file is detected as $(mt "$tmp/other.sqlite")"
  echo "MIME: a store is application/x-hpt-store, another SQLite file application/vnd.sqlite3"
fi

# The .debs: build them, check their control data and contents, unpack and run.
(cd "$build" && cpack -G DEB -B "$tmp/deb" >/dev/null)
deb=$(ls "$tmp"/deb/hpt-workbench_*.deb)
dev=$(ls "$tmp"/deb/hpt-dev_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "hpt-workbench Depends (dpkg-shlibdeps): $depends"
grep -q libopenblas0-pthread <<<"$depends" || fail ".deb does not depend on OpenBLAS"
for lib in libtorch libqt6core6 libqt6widgets6 libsqlite3-0 libc6; do
  grep -q "$lib" <<<"$depends" || fail ".deb Depends (computed by shlibdeps) lacks $lib: $depends"
done
grep -q "hpt-workbench (= $(dpkg-deb -f "$deb" Version))" <<<"$(dpkg-deb -f "$dev" Depends)" \
  || fail "hpt-dev does not depend on this hpt-workbench"
contents=$(dpkg-deb -c "$deb")  # not piped into grep -q: an early exit would SIGPIPE dpkg-deb
devcontents=$(dpkg-deb -c "$dev")
grep -q "usr/bin/hpt$" <<<"$contents" || fail ".deb has no usr/bin/hpt"
grep -q "hpt/plugins/" <<<"$contents" || fail ".deb has no plugins"
for f in usr/share/man/man1/hpt.1.gz usr/share/bash-completion/completions/hpt usr/share/zsh/vendor-completions/_hpt \
         usr/share/mime/packages/org.hpt.Workbench.xml; do
  grep -q "$f$" <<<"$contents" || fail ".deb has no $f"
done
# The SDK is hpt-dev's alone.
! grep -q "usr/include/" <<<"$contents" || fail "hpt-workbench ships SDK headers; they belong in hpt-dev"
for f in usr/include/hpt/Model.h usr/lib/cmake/HpT/HpTConfig.cmake usr/lib/libhptcore.so; do
  grep -qE "\./$f( -> .*)?$" <<<"$devcontents" || fail "hpt-dev has no $f"
done
if command -v lintian >/dev/null; then
  echo "lintian $(lintian --version | awk '{print $2}'):"
  lint=$(lintian --tag-display-limit 0 "$deb" "$dev" 2>&1 | grep -v "running with root privileges" || true)
  echo "${lint:-  (no tags)}"
  ! grep -q "^[EW]: " <<<"$lint" || fail "lintian reports errors or warnings (above)"
else
  echo "lintian not installed (apt-get install lintian): .debs not checked against Debian policy"
fi
dpkg-deb -x "$deb" "$tmp/root"
[[ "$("$tmp/root/usr/bin/hpt" --version)" == hpt\ * ]] || fail "hpt from the unpacked .deb does not run"
n=$(env -u HPT_PLUGIN_PATH "$tmp/root/usr/bin/hpt" plugins --json |
    python3 -c 'import json,sys; print(sum(s["state"] == "initialized" for s in json.load(sys.stdin)["plugins"]))')
[[ "$n" -eq "$built" ]] || fail "hpt from the .deb loaded $n plugins, expected $built"
echo ".debs $(basename "$deb") and $(basename "$dev"): depends ok, lintian clean, runs, loads $n plugins"
echo "packaging: 1 passed, 0 failed"
