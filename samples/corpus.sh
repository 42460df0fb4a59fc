#!/usr/bin/env bash
# corpus.sh OUTDIR: builds the real corpora from files installed by Debian
# packages, as zstd JSONL (one record per file chunk, see text2jsonl.c):
#   OUTDIR/domain-train.jsonl.zst     EDA tools: yosys, magic, netgen, qflow, ...
#   OUTDIR/domain-heldout.jsonl.zst   verilator, iverilog
#   OUTDIR/general-train.jsonl.zst    the Python documentation (reST sources)
#   OUTDIR/general-heldout.jsonl.zst  Debian Reference, Debian Administrator's Handbook
# Each package's files (dpkg -L, regular files, sorted) are classified by kind
# (verilog, vhdl, techlib, script, code, doc) and converted to plain text: man
# pages with groff, HTML with html2text, PDF with pdftotext, PostScript manuals
# with ghostscript then pdftotext, ODT through unzip;
# .gz files are decompressed first. Binaries, images, fonts, packaging
# metadata, changelogs and copyright files are left out, and so is a file whose
# text repeats one seen before (train splits first, so held-out text never
# repeats train text). The same installed packages give the same bytes.
#
# Environment: TEXT2JSONL (default build/samples/text2jsonl), CORPUS_JOBS
# (parallel conversions, default: the number of cores), CORPUS_LEVEL (zstd
# level, default 19), CORPUS_KEEP=1 keeps the work directory for inspection.
# Needs: dpkg, groff-base, html2text, poppler-utils, ghostscript, unzip, perl,
# parallel.
set -euo pipefail
export LC_ALL=C

prog=corpus.sh

DOMAIN_TRAIN="yosys yosys-doc magic netgen-lvs qflow qrouter opensta ngspice-doc fpga-icestorm nextpnr-ice40 xcircuit tkgate gtkwave"
DOMAIN_HELDOUT="verilator iverilog"
GENERAL_TRAIN="python3-doc"
GENERAL_HELDOUT="debian-reference-en debian-handbook"
SPLITS="domain-train general-train domain-heldout general-heldout" # dedup order

die() { echo "$prog: $*" >&2; exit 1; }

# Converted documents: no control characters but tab and newline (PostScript
# symbol glyphs come out as such), no trailing blanks, no runs of blank lines.
tidy() { tr -d '\000-\010\013-\037\177' | sed -e 's/[[:space:]]*$//' | cat -s | sed -e '/./,$!d'; }

# convert CONV IN OUT: writes the plain text of package file IN to OUT.
convert() {
    local conv=$1 in=$2 out=$3 cat=cat
    case $in in *.gz) cat='gzip -dc' ;; esac
    case $conv in
    cat) $cat -- "$in" >"$out" ;;
    man) # left-adjusted, unhyphenated, no overstrike or escape codes
        { printf '.ad l\n'; $cat -- "$in"; } |
            groff -k -K utf-8 -t -man -Tutf8 -P-cbou -rHY=0 -rLL=100n 2>/dev/null | tidy >"$out" ;;
    html) # the rc file drops the underline/bold marks; sphinx's pilcrows go too.
        # html2text gives up on some malformed pages: then the tags are stripped.
        if ! $cat -- "$in" | perl -0777 -pe 's/<\?xml.*?\?>//s; s/<(nav|script|style)\b.*?<\/\1\s*>//gis' |
            html2text -rcfile "$CORPUS_H2TRC" -utf8 -nobs -width 100 >"$out.raw" ||
            [[ ! -s $out.raw ]]; then
            $cat -- "$in" | perl -0777 -pe 's/<(style|script)\b.*?<\/\1\s*>//gis; s/<[^>]*>//gs;
                s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&nbsp;/ /g; s/&amp;/&/g' >"$out.raw"
        fi
        sed -e 's/\xc2\xb6//g' "$out.raw" | tidy >"$out"
        rm -f -- "$out.raw" ;;
    pdf)
        if [[ $in == *.gz ]]; then
            gzip -dc -- "$in" >"$out.pdf"
            pdftotext -q -enc UTF-8 -nopgbrk "$out.pdf" - | tidy >"$out"
            rm -f -- "$out.pdf"
        else
            pdftotext -q -enc UTF-8 -nopgbrk "$in" - | tidy >"$out"
        fi ;;
    ps) # PostScript documents (troff output): through ghostscript's PDF writer,
        # whose text pdftotext reads with proper word spacing
        $cat -- "$in" >"$out.ps"
        gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$out.pdf" "$out.ps" >/dev/null
        pdftotext -q -enc UTF-8 -nopgbrk "$out.pdf" - | tidy >"$out"
        rm -f -- "$out.ps" "$out.pdf" ;;
    odt) # OpenDocument: paragraphs and headings from content.xml, tags dropped
        unzip -p "$in" content.xml | sed -e 's#</text:p>#\n#g; s#</text:h>#\n\n#g;
            s#<text:line-break/>#\n#g; s#<text:tab/>#\t#g; s#<text:s/># #g;
            s#<text:s text:c="[0-9]*"/>#  #g; s#<[^>]*>##g; s#&lt;#<#g; s#&gt;#>#g;
            s#&quot;#"#g; s#&apos;#'"'"'#g; s#&amp;#\&#g' | tidy >"$out" ;;
    *) echo "$prog: unknown conversion '$conv'" >&2; return 1 ;;
    esac
}

if [[ ${1-} == --convert ]]; then
    shift
    convert "$@"
    exit
fi

usage="Usage: $prog OUTDIR
Builds OUTDIR/{domain,general}-{train,heldout}.jsonl.zst from installed Debian packages."
if [[ ${1-} == -h || ${1-} == --help ]]; then
    echo "$usage"
    exit 0
fi
if [[ $# -ne 1 || $1 == -* ]]; then
    echo "$usage" >&2
    exit 2
fi
outdir=$1
T2J=${TEXT2JSONL:-build/samples/text2jsonl}
jobs=${CORPUS_JOBS:-$(nproc)}
level=${CORPUS_LEVEL:-19}
[[ -x $T2J ]] || die "$T2J: not found (build it with make, or set TEXT2JSONL)"
for t in dpkg-query groff html2text pdftotext gs unzip perl parallel sha256sum; do
    command -v "$t" >/dev/null || die "$t: command not found (make deps)"
done
for p in $DOMAIN_TRAIN $DOMAIN_HELDOUT $GENERAL_TRAIN $GENERAL_HELDOUT; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *" installed" ]] ||
        die "package $p is not installed (make deps)"
done
mkdir -p -- "$outdir"

self=$(readlink -f -- "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/corpus.XXXXXX")
if [[ ${CORPUS_KEEP-} == 1 ]]; then
    echo "$prog: work directory $work" >&2
else
    trap 'rm -rf -- "$work"' EXIT
fi
mkdir "$work/conv"

# html2text settings: plain headings, no emphasis marks on links and text.
export CORPUS_H2TRC=$work/html2textrc
{
    for h in H1 H2 H3 H4 H5 H6; do
        printf '%s.attributes = NONE\n%s.prefix =\n%s.suffix =\n' $h $h $h
    done
    printf '%s\n' 'H1.vspace.before = 1' 'H2.vspace.before = 1' 'H3.vspace.before = 1' \
        'H4.vspace.before = 1' 'P.vspace.before = 1' 'PRE.vspace.before = 1' \
        'PRE.vspace.after = 1' 'U.attributes = NONE' 'B.attributes = NONE' \
        'EM.attributes = NONE' 'STRONG.attributes = NONE' 'STRIKE.attributes = NONE' \
        'A.attributes.internal_link = NONE' 'A.attributes.external_link = NONE' \
        'IMG.replace.noalt ='
} >"$CORPUS_H2TRC"

# pkg_files PKG: the files of PKG; a metapackage such as python3-doc brings
# the versioned package (python3.11-doc) that holds its files.
pkg_files() {
    dpkg-query -L "$1"
    if [[ $1 == python3-doc ]]; then
        local d
        for d in $(dpkg-query -W -f='${Depends}\n' python3-doc | grep -o 'python3\.[0-9]*-doc' | sort -u); do
            dpkg-query -L "$d"
        done
    fi
}

# 1. Walk: SPLIT PKG PATH for every regular file (not symlinks), sorted.
for split in $SPLITS; do
    case $split in
    domain-train) pkgs=$DOMAIN_TRAIN ;;
    domain-heldout) pkgs=$DOMAIN_HELDOUT ;;
    general-train) pkgs=$GENERAL_TRAIN ;;
    general-heldout) pkgs=$GENERAL_HELDOUT ;;
    esac
    for p in $pkgs; do
        pkg_files "$p" | grep '^/' | sort -u |
            { xargs -r -d '\n' stat --printf='%F\t%n\n' -- 2>>"$work/missing" || true; } |
            awk -F'\t' -v s="$split" -v p="$p" '$1 ~ /^regular/ { print s "\t" p "\t" $2 }'
    done
done >"$work/files"
if [[ -s $work/missing ]]; then  # e.g. removed by hand, or a dpkg path-exclude
    echo "$prog: warning: $(wc -l <"$work/missing") files listed by dpkg are missing:" >&2
    head -n 3 "$work/missing" >&2
fi

# 2. Classify: SPLIT PKG PATH KIND CONV, or nothing for a file left out.
awk -F'\t' -v OFS='\t' '
function out(kind, conv) { print $1, $2, $3, kind, conv }
BEGIN {
    # the same text in another format, generated data, a changelog in HTML
    excl["ngspice-doc:/usr/share/doc/ngspice-doc/manual.pdf.gz"] = 1       # = html/manual.html
    excl["verilator:/usr/share/doc/verilator/verilator.pdf"] = 1           # = html/*.html
    excl["verilator:/usr/share/doc/verilator/html/changes.html"] = 1       # release notes
    excl["verilator:/usr/share/doc/verilator/html/search.html"] = 1
    excl["fpga-icestorm:/usr/share/fpga-icestorm/python/iceboxdb.py"] = 1  # chip database
    n = split("v sv vh svh vl vams va", a, " ");                 for (i = 1; i <= n; i++) ext[a[i]] = "verilog"
    n = split("vhd vhdl", a, " ");                               for (i = 1; i <= n; i++) ext[a[i]] = "vhdl"
    n = split("lib lef def sp spice cir cdl sdc sdf spef dspef tech mag prm par ext sim net nodes al genlib blif edif", a, " ")
    for (i = 1; i <= n; i++) ext[a[i]] = "techlib"
    n = split("tcl tk ys sh bash csh tcsh pcf scr mk cmake gtkw vc cmd rc conf do xdc", a, " ")
    for (i = 1; i <= n; i++) ext[a[i]] = "script"
    n = split("c h cc cpp cxx hh hpp hxx py pl pm rb java", a, " "); for (i = 1; i <= n; i++) ext[a[i]] = "code"
    n = split("txt text md rst doc list", a, " ");               for (i = 1; i <= n; i++) ext[a[i]] = "doc"
    ext["html"] = ext["htm"] = ext["pdf"] = ext["odt"] = "doc"
}
{
    pkg = $2; path = $3; lp = tolower(path)
    nb = split(path, parts, "/"); lb = tolower(parts[nb])
    if (lb ~ /\.gz$/) lb = substr(lb, 1, length(lb) - 3)
    e = ""
    if (match(lb, /\.[^.]+$/) && RSTART > 1) e = substr(lb, RSTART + 1)

    # package-specific selections
    if (pkg == "python3-doc") {  # reST sources; whatsnew/ is release notes
        if (lp ~ /^\/usr\/share\/doc\/python3[^\/]*\/html\/_sources\/.*\.txt$/ &&
            lp !~ /\/_sources\/whatsnew\// && lb != "license.rst.txt") out("doc", "cat")
        next
    }
    if (pkg == "debian-reference-en") {  # the same book as HTML, PDF and text: keep the text
        if (lp ~ /^\/usr\/share\/debian-reference\/.*\.en\.txt$/ || lp ~ /^\/usr\/share\/debian-reference\/.*\.en\.txt\.gz$/) out("doc", "cat")
        next
    }
    if (pkg == "debian-handbook") {  # English only
        if (lp ~ /^\/usr\/share\/doc\/debian-handbook\/html\/en-us\/[^\/]*\.html$/) out("doc", "html")
        next
    }

    # packaging metadata, changelogs, licences
    if (lb ~ /^(changelog|copyright)/ || lb ~ /\.debian(\.|$)/) next
    # third-party code vendored by EDA packages: a Tk console, compressors
    if (lb == "tkcon.tcl" || lb ~ /^(lz4|fastlz)\.[ch]$/) next
    if (lp ~ /^\/usr\/share\/(lintian|doc-base|menu|applications|metainfo|mime|glib-2\.0|icons|pixmaps|pkgconfig|bug|python3\/runtime\.d)\// ||
        lp ~ /^\/(usr\/)?lib\/udev\// || lp ~ /^\/etc\/x11\//) next
    if ((pkg ":" path) in excl) next

    if (lp ~ /^\/usr\/share\/man\//) { out("doc", "man"); next }
    if (e == "html" || e == "htm") { out("doc", "html"); next }
    if (e == "pdf") { out("doc", "pdf"); next }
    if (e == "odt") { out("doc", "odt"); next }
    if (e == "ps" && lp ~ /^\/usr\/share\/doc\/[^\/]*\/ps\//) { out("doc", "ps"); next }  # manuals, not drawings
    if (lb ~ /^(readme|todo|news|bugs|install|authors|thanks|hacking|analyses|devices|quick_start)([._-]|$)/) { out("doc", "cat"); next }
    if (lb ~ /^makefile/ || lb == "cmakelists.txt" || lb ~ /^\.[a-z]*rc$/ || lb == "gtkwaverc") { out("script", "cat"); next }
    if (e == "txt" && lp ~ /^\/usr\/share\/yosys\//) { out("techlib", "cat"); next }  # memory library maps
    if (e in ext) { out(ext[e], "cat"); next }
    if (e != "") next  # images, fonts, PostScript drawings, data: left out

    # no extension: scripts by their #! line
    line = ""
    if ((getline line < path) > 0 && line ~ /^#!/) {
        if (line ~ /(python|perl|ruby)/) out("code", "cat")
        else if (line ~ /(sh|tclsh|wish|make)[0-9.]*( |$)/) out("script", "cat")
    }
    close(path)
}' "$work/files" >"$work/classified"

# 3. Convert in parallel; each job writes conv/N.txt, so the order of jobs does
#    not matter. Plain files are read in place.
awk -F'\t' -v OFS='\t' -v w="$work/conv" -v jobs="$work/jobs" '{
    if ($5 == "cat" && $3 !~ /\.gz$/) t = $3
    else { n++; t = w "/" n ".txt"; print n, $5, $3 > jobs }
    print $1, t, $2 ":" $3, $2, $4
}' "$work/classified" >"$work/texts"
: >>"$work/jobs"
if [[ -s $work/jobs ]]; then
    parallel --will-cite --halt now,fail=1 -j "$jobs" --colsep '\t' -q \
        "$self" --convert {2} {3} "$work/conv/{1}.txt" :::: "$work/jobs"
fi

# 4. Drop repeated texts (the first in SPLITS order wins), write one list per split.
cut -f2 "$work/texts" | xargs -r -d '\n' sha256sum -- | sed -e 's/^\\//' | cut -c1-64 >"$work/hashes"
paste "$work/hashes" "$work/texts" | awk -F'\t' -v OFS='\t' -v w="$work" '
    seen[$1]++ { dup[$2]++; next }
    { print $3, $4, $5, $6 > (w "/" $2 ".list") }
    END { for (s in dup) print s, dup[s] > (w "/dups") }'
touch "$work/dups"

# 5. JSONL records (atomic outputs: text2jsonl writes FILE.tmp.PID, then renames).
for split in $SPLITS; do touch "$work/$split.list"; done
parallel --will-cite --halt now,fail=1 -j "$jobs" -q \
    "$T2J" -q -l "$level" -s "$work/{}.stats" -o "$outdir/{}.jsonl.zst" "$work/{}.list" ::: $SPLITS

# 6. Statistics: records and text bytes per split and kind.
for split in domain-train domain-heldout general-train general-heldout; do
    awk -F'\t' -v OFS='\t' -v s="$split" 'NR > 1 { print s, $1, $2, $3, $4, $5 }' "$work/$split.stats"
done | awk -F'\t' -v dupf="$work/dups" '
BEGIN {
    while ((getline l < dupf) > 0) { split(l, a, "\t"); dup[a[1]] = a[2] }
    printf "%-16s %-8s %7s %8s %12s %8s\n", "split", "kind", "files", "records", "text bytes", "skipped"
}
function total(s) {
    printf "%-16s %-8s %7d %8d %12.0f %8d   (%d repeated files dropped)\n", s, "TOTAL", F, R, B, K, dup[s] + 0
    F = R = B = K = 0
}
{
    if (cur != "" && $1 != cur) total(cur)
    cur = $1
    printf "%-16s %-8s %7d %8d %12.0f %8d\n", $1, $2, $3, $4, $5, $6
    F += $3; R += $4; B += $5; K += $6
}
END { if (cur != "") total(cur) }'
for split in $SPLITS; do stat -c '%12s  %n' -- "$outdir/$split.jsonl.zst"; done
