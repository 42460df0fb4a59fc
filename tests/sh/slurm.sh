#!/usr/bin/env bash
# timeout: 600
# The recipe under a real Slurm: the test starts its own munged, slurmctld
# and slurmd (Debian's slurm-wlm and munge, from make deps) on one node of 2
# CPUs, on free ports, all in a temporary directory, and stops exactly those
# processes at the end. Then:
#   srun = mpirun   srun -n 2 (PMIx, the rank and size from Slurm; no flags)
#                   gives the model.safetensors of mpirun -n 2 and of 1 rank
#                   accumulating 2 micro-batches, byte for byte: cn-pretrain,
#                   cn-pretrain --zero1, cn-sft LoRA; srun without an MPI
#                   plugin is refused (each task would train alone)
#   tokenize        pipelines/slurm/tokenize.sbatch (GNU parallel over the
#                   allocation's nodes) writes cn-tokenize's own shards
#   DAPT as a job   pipelines/slurm/dapt.sbatch runs the DAPT stage of a small
#                   pipelines/dapt.mk on 2 ranks; scancel --signal=TERM lands
#                   mid-run (a checkpoint inside the run, no model yet) and
#                   the job exits 0; requeued, it resumes and ends with the
#                   model make's own run of the stage (1 rank) wrote, byte
#                   for byte
#   the chain       pipelines/slurm/recipe.sh submits DAPT, SFT after it
#                   (--dependency=afterok) and the retriever (held, then
#                   cancelled: the dependency is what is checked)
# Where Slurm cannot start (not root, packages or munge key missing) it says
# skipped with the reason.
set -euo pipefail
. "$TOP/tests/sh/train.inc"
[ "$(id -u)" = 0 ] || { echo "skipped: not root: munged and slurmd run as root here"; exit 77; }
for c in munged slurmctld slurmd srun sbatch scancel scontrol sinfo squeue; do
    command -v $c > /dev/null || { echo "skipped: $c missing: make deps installs slurm-wlm and munge"; exit 77; }
done
[ -r /etc/munge/munge.key ] || { echo "skipped: no munge key (/etc/munge/munge.key): the munge package makes it"; exit 77; }
command -v mpirun > /dev/null || { echo "mpirun missing: make deps installs openmpi-bin"; exit 1; }

work=$(mktemp -d)
daemons=()
stop_daemons() { # the jobs first (their steps are slurmd's), then the daemons this test started, by id
    local p i
    if [ -n "${SLURM_CONF:-}" ] && [ ${#daemons[@]} -gt 1 ]; then
        scancel --quiet --user=root 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.1; done
    fi
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
        p=${daemons[i]}
        kill "$p" 2>/dev/null || continue
        wait "$p" 2>/dev/null || true
    done
    daemons=()
}
trap 'stop_daemons; rm -rf "$work"' EXIT
cd "$work"
mpi_env

# ---- munge, slurmctld, slurmd ----
mkdir -m 711 munge
mkdir state spool log
install -m 600 /etc/munge/munge.key munge/key
munged -F -f --socket="$work/munge/sock" --key-file="$work/munge/key" --pid-file="$work/munge/pid" \
    --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" > log/munged.out 2>&1 &
daemons+=($!)
for ((i = 0; i < 100; i++)); do [ -S munge/sock ] && break; sleep 0.05; done
[ -S munge/sock ]
read -r p1 p2 < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
node=$(hostname -s)
cat > slurm.conf <<CONF
ClusterName=cntest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$p1
SlurmdPort=$p2
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/sock,cred_expire=5
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -f "$SLURM_CONF" > log/slurmctld.out 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" > log/slurmd.out 2>&1 &
daemons+=($!)
for ((i = 0; i < 300; i++)); do [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break; sleep 0.1; done
if [ "$(sinfo -h -o %t 2>/dev/null)" != idle ]; then
    echo "the node never came up idle:"; tail -5 log/*; exit 1
fi
echo "ok   slurmctld and slurmd (ports $p1, $p2) with munged: node $node idle, 2 CPUs"

# ---- srun -n 2 = mpirun -n 2 = 1 rank accumulating ----
tiny_llama
cn-tokenize -q -t "$tok" "$SAMPLES/docs/domain.jsonl" "$SAMPLES/docs/general.jsonl" -o d.tok
same3() { # WHAT DIR...: the three runs' models are the same bytes
    local a=$(sha256sum < "$2/model.safetensors") b=$(sha256sum < "$3/model.safetensors") c=$(sha256sum < "$4/model.safetensors")
    [ "$a" = "$b" ] && [ "$a" = "$c" ] || { echo "FAIL $1: srun, mpirun and 1 rank differ"; exit 1; }
    echo "ok   $1: srun -n 2 = mpirun -n 2 = 1 rank accumulating 2 micro-batches, bit for bit"
}
for z in "" --zero1; do
    args=(-q -t "$tok" --steps 30 --seq-len 32 --micro-batch 2 --batch-tokens 128 --lr 1e-2 --warmup 3 --threads 1 --no-cross-doc)
    cn-pretrain --config cfg.json "${args[@]}" --out one$z d.tok
    mpirun -np 2 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" $z --out mpi$z d.tok
    srun -n 2 --cpus-per-task=1 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" $z --out srun$z d.tok
    same3 "cn-pretrain${z:+ $z}" one$z mpi$z srun$z
done
for i in $(seq 12); do echo "{\"messages\": [{\"role\": \"user\", \"content\": \"What does cell $i drive?\"}, {\"role\": \"assistant\", \"content\": \"The net n$i and its fanout.\"}]}"; done > sft.jsonl
sargs=(-q --init one --template llama2 --seq-len 64 --micro-batch 2 --batch-tokens 256 --steps 12 --lr 3e-2 --threads 1 --lora-rank 4 --lora-targets all --merge)
cn-sft "${sargs[@]}" --out sft1 sft.jsonl
mpirun -np 2 "$BUILD/bin/cn-sft" "${sargs[@]}" --out sftm sft.jsonl
srun -n 2 --cpus-per-task=1 "$BUILD/bin/cn-sft" "${sargs[@]}" --out sfts sft.jsonl
cmp sft1/adapter_model.safetensors sfts/adapter_model.safetensors
cmp sftm/adapter_model.safetensors sfts/adapter_model.safetensors
same3 "cn-sft LoRA (merged)" sft1 sftm sfts
st=0
srun -n 2 --cpus-per-task=1 --mpi=none "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --out none d.tok 2> err || st=$?
[ $st != 0 ] && grep -q "cn-pretrain: srun started 2 tasks with no MPI plugin (SLURM_MPI_TYPE=none): run srun --mpi=pmix" err
[ ! -e none/model.safetensors ]
echo "ok   srun --mpi=none: refused by every task (each would train alone), nothing written"

# ---- tokenization fanned out by GNU parallel ----
zstd -qdc "$SAMPLES/data/domain-heldout.jsonl.zst" > dh.jsonl
cp "$SAMPLES/data/general-heldout.jsonl.zst" gh.jsonl.zst
(cd "$TOP" && CN_BIN=$BUILD/bin CN_TOKENIZE_ARGS=--literal-special sbatch --wait --quiet -n 1 --cpus-per-task=2 -o "$work/tok-%j.out" \
    pipelines/slurm/tokenize.sbatch "$tok" "$work/shards" "$work/dh.jsonl" "$work/gh.jsonl.zst")
for f in dh:dh.jsonl gh:gh.jsonl.zst; do
    cn-tokenize -q --literal-special -t "$tok" "${f#*:}" -o "${f%%:*}.ref.tok"
    cmp "${f%%:*}.ref.tok" "shards/${f%%:*}.tok"
done
grep -q "2 files tokenized into $work/shards" tok-*.out
echo "ok   tokenize.sbatch: 2 files over the allocation's node, the shards cn-tokenize writes"

# ---- the DAPT stage as a batch job, preempted and requeued, against make ----
small=(BUILD="$BUILD" DATA="$SAMPLES/data" BASE_VOCAB=400 AUG_ADD=100 D_MODEL=64 N_LAYER=2 N_HEAD=4 D_FF=128 SEQ=128 MICRO=2
       BATCH=512 BASE_TOKENS=10240 DAPT_TOKENS=102400 SEEDS=1 THREADS=1)
make --no-print-directory -s -C "$TOP" -f pipelines/dapt.mk "${small[@]}" W="$work/mk" dapt
steps=$(grep -c '"step"' mk/dapt-aug-s1.log)
# the job's stage from the same inputs: everything before DAPT copied (its times kept: make remakes nothing of it)
mkdir job
for f in mk/*; do case $f in mk/dapt-aug-s1*) ;; *) cp -a "$f" job/ ;; esac; done
id=$(cd "$TOP" && sbatch --parsable --ntasks-per-node=2 --cpus-per-task=1 -o "$work/dapt-%j.out" pipelines/slurm/dapt.sbatch "${small[@]}" W="$work/job")
state() { scontrol show job "$id" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
ended() { case $(state JobState) in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED) return 0 ;; esac; return 1; }
for ((i = 0; i < 1200; i++)); do [ "$(logged job/dapt-aug-s1.log)" -ge 20 ] && break; ended && break; sleep 0.05; done
[ "$(logged job/dapt-aug-s1.log)" -ge 20 ] || { echo "the job never reached step 20 ($(state JobState)):"; cat dapt-*.out 2>/dev/null || true; exit 1; }
scancel --signal=TERM "$id"
for ((i = 0; i < 600; i++)); do ended && break; sleep 0.1; done
[ "$(state JobState)" = COMPLETED ] && [ "$(state ExitCode)" = 0:0 ] || { echo "after SIGTERM: $(state JobState) $(state ExitCode)"; cat dapt-*.out; exit 1; }
got=$(latest job/dapt-aug-s1)
[ "$got" -gt 0 ] && [ "$got" -lt "$steps" ] || { echo "the checkpoint is of step $got, not one inside 1..$((steps - 1))"; exit 1; }
[ ! -e job/dapt-aug-s1/model.safetensors ]
grep -q "cn-pretrain: signal 15: checkpoint of step $got in $work/job/dapt-aug-s1; continue with: srun -n 2 cn-pretrain --resume" dapt-*.out # (2 ranks, as srun's tasks)
echo "ok   dapt.sbatch on 2 ranks: scancel --signal=TERM at step $(logged job/dapt-aug-s1.log) of $steps: a checkpoint of step $got, no model, the job COMPLETED with exit 0"
scontrol requeue "$id"
for ((i = 0; i < 1200; i++)); do [ "$(state Restarts)" = 1 ] && ended && break; sleep 0.1; done
[ "$(state JobState)" = COMPLETED ] && [ "$(state ExitCode)" = 0:0 ] || { echo "requeued: $(state JobState) $(state ExitCode)"; scontrol show job "$id"; cat dapt-*.out; exit 1; }
grep -q "(restart 1): 2 tasks on 1 nodes, 1 threads each, cpu" dapt-*.out
[ -d "job/dapt-aug-s1/step-$got" ] # (resumed: a run started anew with --overwrite would have removed it)
cmp mk/dapt-aug-s1/model.safetensors job/dapt-aug-s1/model.safetensors
echo "ok   requeued, the job resumed from step $got and ended with make's own DAPT model (1 rank, uninterrupted), byte for byte"

# ---- the driver: the stages chained by afterok (submitted held, then cancelled) ----
(cd "$TOP" && pipelines/slurm/recipe.sh --hold -o "$work/held-%j.out" -- "${small[@]}" W="$work/held") > chain.txt
read -r _ d < <(grep '^dapt ' chain.txt)
read -r _ f _ < <(grep '^sft ' chain.txt)
read -r _ r < <(grep '^retriever ' chain.txt)
[ "$(scontrol show job "$f" | tr ' ' '\n' | sed -n 's/^Dependency=//p')" = "afterok:${d}(unfulfilled)" ]
scontrol show job "$d" | grep -q 'Command=.*pipelines/slurm/dapt.sbatch'
scontrol show job "$r" | grep -q 'Command=.*pipelines/slurm/retrain.sbatch'
scancel "$d" "$f" "$r"
echo "ok   recipe.sh: dapt.sbatch, then sft.sbatch after it (afterok:$d), and retrain.sbatch"

# ---- the end: the daemons this test started, and nothing else of it, gone ----
stop_daemons
left=$(pgrep -f "$work" || true)
[ -z "$left" ] || { echo "left running:"; ps -o pid,args -p $left; exit 1; }
for ((i = 0; i < 100; i++)); do [ -z "$(pgrep -x slurmstepd || true)" ] && break; sleep 0.1; done # (a step's last one exiting)
[ -z "$(pgrep -x slurmstepd || true)" ] || { echo "a slurmstepd is left:"; pgrep -a -x slurmstepd; exit 1; }
echo "ok   munged, slurmctld and slurmd stopped by their ids; no step left"
