#!/usr/bin/env bash
# make demo's rules resolve: `make -n demo` (nothing run, the recipe of every
# step printed, pipelines/dapt.mk's, retrieve.mk's and tasks.mk's too) finds a rule for every prerequisite.
# The demo itself takes minutes; this catches a broken rule in a second.
set -euo pipefail
cd "$TOP"
rc=0
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n demo BUILD="$BUILD" > "$OLDPWD/out" 2>&1 || rc=$?
if [ $rc != 0 ]; then
    grep -E 'No rule|Error|\*\*\*' "$OLDPWD/out" | head -5
    echo "FAIL make -n demo: exit $rc"
    exit 1
fi
grep -q 'pipelines/dapt.mk' "$OLDPWD/out"
grep -q 'pipelines/retrieve.mk' "$OLDPWD/out"
grep -q 'pipelines/tasks.mk' "$OLDPWD/out"
grep -q 'cn-score report' "$OLDPWD/out"
grep -q 'cn-export gguf' "$OLDPWD/out"
echo "ok   make -n demo resolves every rule"
