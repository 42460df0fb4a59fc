# exit: 0
cn-score --help | grep -q '^Usage: cn-score tokens'
