# make install puts the tools, the library and its headers under DESTDIR/PREFIX
set -euo pipefail
san=0; case $BUILD in *san*) san=1 ;; esac
make -s -C "$TOP" install SAN=$san DESTDIR="$PWD/root" PREFIX=/opt/cn > /dev/null
for f in bin/cn-mix bin/cn-shard lib/libchipnemo-core.a include/chipnemo/shard.h include/chipnemo/io.h; do
    [ -e "root/opt/cn/$f" ] || { echo "missing $f"; exit 1; }
done
root/opt/cn/bin/cn-mix --version | grep -q '^cn-mix '
