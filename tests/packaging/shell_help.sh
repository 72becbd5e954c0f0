#!/usr/bin/env bash
# hpt(1) and the bash/zsh completions list every subcommand and every option that the
# subcommand's --help lists; the bash script parses, the zsh one too when zsh is here, and the
# man page renders without groff warnings. Usage: shell_help.sh HPT_EXE
set -uo pipefail
hpt=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$hpt" completion man >"$tmp/hpt.1" || fail "hpt completion man"
"$hpt" completion bash >"$tmp/hpt.bash" || fail "hpt completion bash"
"$hpt" completion zsh >"$tmp/_hpt" || fail "hpt completion zsh"

# The commands, as `hpt --help` lists them.
cmds=$("$hpt" --help | sed -n '/^Commands/,$p' | awk 'NR > 1 && NF { print $1 }')
[[ $(wc -w <<<"$cmds") -ge 14 ]] || fail "hpt --help lists only: $cmds"
checked=0
for c in $cmds; do
  grep -q "^\.SS \"hpt $c " "$tmp/hpt.1" || fail "man page has no section for 'hpt $c'"
  grep -q "^        $c) opts=" "$tmp/hpt.bash" || fail "bash completion does not know 'hpt $c'"
  grep -q "^        '$c:" "$tmp/_hpt" || fail "zsh completion does not list 'hpt $c'"
  # Every long option of the command's --help, in its bash case and in the man page.
  # (the names column of the option lines only: descriptions mention other things, e.g. --signal=B:USR1)
  opts=$("$hpt" "$c" --help | sed -n '/^Options:/,/^Arguments:/p' | awk -F '  +' '/^  -/ {print $2}' |
         grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
  line=$(grep "^        $c) opts=" "$tmp/hpt.bash")
  for o in $opts; do
    grep -q -- " $o[ ']" <<<"$line" || fail "bash completion of 'hpt $c' lacks $o"
    grep -qF -- "\\fB${o//-/\\-}\\fR" "$tmp/hpt.1" || fail "man page lacks $o (of hpt $c)"
    checked=$((checked + 1))
  done
done
bash -n "$tmp/hpt.bash" || fail "bash completion does not parse"
# It completes: "hpt swe<TAB>" → sweep, "hpt sweep --ind<TAB>" → --index.
got=$(bash -c "source '$tmp/hpt.bash'; COMP_WORDS=(hpt swe); COMP_CWORD=1; _hpt; echo \${COMPREPLY[*]}")
grep -qw sweep <<<"$got" || fail "'hpt swe<TAB>' completed to '$got'"
got=$(bash -c "source '$tmp/hpt.bash'; COMP_WORDS=(hpt sweep --ind); COMP_CWORD=2; _hpt; echo \${COMPREPLY[*]}")
[[ $got == --index ]] || fail "'hpt sweep --ind<TAB>' completed to '$got'"
if command -v zsh >/dev/null; then zsh -n "$tmp/_hpt" || fail "zsh completion does not parse"; fi
if command -v groff >/dev/null; then
  warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$tmp/hpt.1" 2>&1)
  [[ -z $warn ]] || fail "groff warns about the man page: $warn"
fi
echo "man page and bash/zsh completion: $(wc -w <<<"$cmds") commands, $checked options checked"
