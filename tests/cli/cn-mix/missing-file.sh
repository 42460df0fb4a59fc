# exit: 1
# stderr: ^cn-mix: nope.tok: cannot open: No such file or directory$
cn-mix 1:nope.tok > out.tok
