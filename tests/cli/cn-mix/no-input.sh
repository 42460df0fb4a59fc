# exit: 2
# stderr: no input
cn-mix
