# exit: 0
cn-pretrain --help | grep -q '^Usage: cn-pretrain'
