# exit: 2
# stderr: expected WEIGHT:PATH
cn-mix 0.5: > out.tok
