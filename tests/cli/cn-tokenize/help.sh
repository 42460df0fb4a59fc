# exit: 0
cn-tokenize --help | grep -q '^Usage: cn-tokenize'
