# exit: 0
cn-vocab --help | grep -q '^Usage: cn-vocab train'
