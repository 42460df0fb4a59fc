#!/bin/bash
# The recipe's training stages as chained batch jobs, each started once the
# one before it ended well (--dependency=afterok): DAPT (and the base model
# when there is none), then SFT; the retriever beside them. Prints the job
# ids. Every argument goes to sbatch first, then VAR=VALUE settings to make:
#   pipelines/slurm/recipe.sh [SBATCH OPTION...] [-- VAR=VALUE...]
# e.g. pipelines/slurm/recipe.sh -N 4 --ntasks-per-node=8 --gpus-per-node=8 -- W=/scratch/dapt
set -euo pipefail
cd "$(dirname "$0")/../.."
opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
submit() { sbatch --parsable "${opts[@]}" "$@" | cut -d';' -f1; }
dapt=$(submit pipelines/slurm/dapt.sbatch "$@")
sft=$(submit --dependency=afterok:"$dapt" pipelines/slurm/sft.sbatch "$@")
ret=$(submit pipelines/slurm/retrain.sbatch)
echo "dapt $dapt"
echo "sft $sft (after $dapt)"
echo "retriever $ret"
