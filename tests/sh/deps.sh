# make deps: a fast no-op when everything is installed; not root and something
# missing: fails naming the exact apt-get line.
set -euo pipefail
start=$(date +%s%N)
make -s -C "$TOP" deps
end=$(date +%s%N)
echo "make deps with everything present: $(( (end - start) / 1000000 )) ms"
[ $(( (end - start) / 1000000 )) -lt 5000 ]
if ! command -v su >/dev/null; then echo "skipped: no su here: the half that runs make deps as another user"; exit 0; fi
if (cd / && su nobody -s /bin/bash -c "make -s -f '$TOP/Makefile' deps DEB_BUILD='gcc cn-no-such-package' DEB_CORPUS=") > out.txt 2>&1; then
    echo "make deps succeeded as nobody with a package missing"; exit 1
fi
cat out.txt
grep -qx 'make deps: missing packages; as root run: apt-get update && apt-get install -y --no-install-recommends cn-no-such-package' out.txt
