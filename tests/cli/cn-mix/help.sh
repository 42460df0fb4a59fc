# --help prints usage to stdout and exits 0
# exit: 0
cn-mix --help | grep -q '^Usage: cn-mix'
