# exit: 2
# stderr: ^cn-mix: unknown option
cn-mix --bogus 1:x
