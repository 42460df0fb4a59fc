# Sourced by the batch scripts of pipelines/slurm/: where the job runs and
# how its stage starts its ranks.
#   THREADS  each task's threads: its CPUs (sbatch --cpus-per-task)
#   DEVICE   cuda when the job has GPUs (sbatch --gpus-per-node=G, with one
#            task a GPU: --ntasks-per-node=G; the ranks sum gradients with
#            NCCL), else cpu
#   LAUNCH   srun: every task of the allocation a rank, its rank and size
#            from Slurm's PMIx (no flags); a task killed ends the step
# stage MAKEFILE TARGET [VAR=VALUE...]: the recipe's stage as make runs it,
# its trainers started by srun (make itself runs once, in the batch step).
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
THREADS=${SLURM_CPUS_PER_TASK:-1}
DEVICE=cpu
if [ -n "${SLURM_GPUS_ON_NODE:-}" ] && [ "${SLURM_GPUS_ON_NODE}" != 0 ]; then DEVICE=cuda; fi
LAUNCH="srun --mpi=pmix --kill-on-bad-exit=1 --cpus-per-task=$THREADS"
echo "$(date -u +%FT%TZ) job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}): ${SLURM_NTASKS:-1} tasks on ${SLURM_JOB_NUM_NODES:-1} nodes," \
    "$THREADS threads each, $DEVICE"
stage() {
    make --no-print-directory -f "$1" LAUNCH="$LAUNCH" DEVICE="$DEVICE" THREADS="$THREADS" "${@:3}" "$2"
}
