#!/usr/bin/env bash
# Slurm end to end: a single-node cluster on this machine (munge + slurmctld +
# slurmd with a generated slurm.conf in a temporary folder), a 4-run sweep of a
# seconds-long experiment submitted with `hpt sweep --slurm --submit`, every
# array task finishes, the dependent merge job gathers the stores, and the
# merged store holds 4 finished runs; then a task signalled as at its time limit requeues itself
# and resumes to its end. The recipe is resources/docs/batch.md's.
# Exits 77 (ctest SKIP_RETURN_CODE) with the reason when the cluster cannot
# be set up here. Usage: slurm_e2e.sh HPT_EXE TEST_PLUGIN_DIR SOURCE_DIR
set -uo pipefail
hpt=$1 plugins=$2 src=$3
SKIP=77

skip() { echo "SKIP: $*"; exit $SKIP; }
for tool in slurmctld slurmd sbatch squeue sinfo; do
    command -v "$tool" >/dev/null || skip "'$tool' not found: install Slurm with 'apt-get install slurm-wlm munge'"
done
command -v munged >/dev/null || [[ -x /usr/sbin/munged ]] || skip "munged not found: apt-get install munge"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not found: apt-get install sqlite3"
[[ $(id -u) -eq 0 ]] || skip "needs root (slurmd with SlurmUser=root, munged started as the munge user)"

tmp=$(mktemp -d /tmp/hpt-slurm.XXXXXX)
mkdir -p "$tmp"/{state,spool,log,run}
started_munge=""
cleanup() {
    # Stop only the daemons this script started, by their pid files.
    for pidfile in "$tmp/run/slurmd.pid" "$tmp/run/slurmctld.pid"; do
        [[ -s $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    if [[ -n $started_munge && -s /run/munge/munged.pid ]]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
    sleep 1
    for pidfile in "$tmp/run/slurmd.pid" "$tmp/run/slurmctld.pid"; do
        [[ -s $pidfile ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null
    done
    if [[ -n ${KEEP_SLURM_TMP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
show_logs() { for f in "$tmp"/log/*.log; do echo "--- $f"; tail -n 30 "$f"; done; }

# munge: reuse a working munged, else start one as the munge user.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    install -d -o munge -g munge -m 0755 /run/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        (mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none) || skip "cannot create a munge key"
    fi
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged || skip "munged did not start (see /var/log/munge/munged.log)"
    started_munge=1
    for _ in $(seq 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.25; done
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || skip "munged is running but credentials do not verify"
fi

host=$(hostname -s)
# Private ports, different per run so a leftover daemon cannot answer.
port=$((20000 + RANDOM % 20000))
conf=$tmp/slurm.conf
cat >"$conf" <<CONF
ClusterName=hpttest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=5
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf

slurmctld -f "$conf" || { show_logs; skip "slurmctld did not start"; }
slurmd -f "$conf" || { show_logs; skip "slurmd did not start"; }
state=""
for _ in $(seq 60); do
    state=$(sinfo -h -o %T 2>/dev/null | head -n1)
    [[ $state == idle* ]] && break
    sleep 0.5
done
[[ $state == idle* ]] || { show_logs; skip "the node did not become idle (state '$state')"; }
echo "single-node cluster up on $host, ports $port/$((port + 1))"

# The 4-run sweep (test plugins, 8 steps per run); one CPU per task so two run at once.
out=$("$hpt" sweep "$src/resources/sweeps/tiny.json" --slurm --submit --cpus 1 --output "$tmp/sweep" \
    --plugin-dir "$plugins" 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 0 ]] || { show_logs; echo "FAIL: hpt sweep --slurm --submit exited $rc"; exit 1; }
job=$(sed -n 's/^SLURM_JOB_ID=//p' <<<"$out")
merge=$(sed -n 's/^SLURM_MERGE_JOB_ID=//p' <<<"$out")
[[ -n $job && -n $merge ]] || { echo "FAIL: no job ids in the output"; exit 1; }

for _ in $(seq 150); do
    [[ -z $(squeue -h -j "$job,$merge" 2>/dev/null) ]] && break
    sleep 1
done
if [[ -n $(squeue -h -j "$job,$merge" 2>/dev/null) ]]; then
    squeue; show_logs; echo "FAIL: jobs still queued or running after 150 s"; exit 1
fi

fail=0
summaries=("$tmp"/sweep/summaries/*.json)
if [[ ${#summaries[@]} -ne 4 || ! -f ${summaries[0]} ]]; then
    echo "FAIL: expected 4 run summaries, found: ${summaries[*]}"; fail=1
fi
for s in "${summaries[@]}"; do
    grep -q '"exit_code": 0' "$s" || { echo "FAIL: $s did not finish:"; cat "$s"; fail=1; }
done
merged=$tmp/sweep/sweep.sqlite
if [[ ! -f $merged ]]; then
    echo "FAIL: no merged store at $merged"; cat "$tmp"/sweep/logs/*merge*.log; exit 1
fi
finished=$(sqlite3 "$merged" "SELECT count(*) FROM runs WHERE status = 'finished'")
names=$(sqlite3 "$merged" "SELECT group_concat(name, ' ') FROM (SELECT name FROM runs ORDER BY name)")
echo "merged store $merged: $finished finished run(s): $names"
[[ $finished -eq 4 ]] || { echo "FAIL: expected 4 finished runs in the merged store"; fail=1; }
[[ $names == "tiny-000 tiny-001 tiny-002 tiny-003" ]] || { echo "FAIL: unexpected run names '$names'"; fail=1; }
if [[ $fail -ne 0 ]]; then
    for f in "$tmp"/sweep/logs/*.log; do echo "--- $f"; tail -n 20 "$f"; done
    show_logs
    exit 1
fi
echo "PASS: 4 array tasks finished and were merged"

# A task near its time limit: Slurm sends the batch script USR1 --signal-grace seconds before the
# limit (#SBATCH --signal=B:USR1@S); `scancel --signal=USR1 --batch` sends exactly that signal now,
# so the test does not wait on slurmctld's timer. The task checkpoints, requeues itself with the real
# scontrol, and the requeued attempt continues the same run to its end.
sed -e 's/"max_steps": 8/"max_steps": 4000/' -e 's/"training.lr": \[0.001, 0.01\], "training.seed": \[1, 2\]/"training.lr": [0.001]/' \
    "$src/resources/sweeps/tiny.json" >"$tmp/long.json"
out=$("$hpt" sweep "$tmp/long.json" --slurm --submit --cpus 1 --output "$tmp/long" --plugin-dir "$plugins" \
    --progress-every 1 2>&1)
rc=$?
[[ $rc -eq 0 ]] || { echo "$out"; show_logs; echo "FAIL: submitting the long task exited $rc"; exit 1; }
job=$(sed -n 's/^SLURM_JOB_ID=//p' <<<"$out")
log=$tmp/long/logs/tiny-0.slurm.log  # <sweep>-<array index>
for _ in $(seq 120); do grep -q "%)  epoch" "$log" 2>/dev/null && break; sleep 0.5; done
grep -q "%)  epoch" "$log" 2>/dev/null || { cat "$log"; show_logs; echo "FAIL: the long task did not start training"; exit 1; }
scancel --signal=USR1 --batch "$job" || { show_logs; echo "FAIL: scancel --signal=USR1 --batch $job"; exit 1; }
# slurmctld starts a requeued batch job again only after a delay (about 165 s here).
for _ in $(seq 330); do
    [[ -z $(squeue -h -j "$job" 2>/dev/null) ]] && break
    sleep 1
done
summary=$(ls "$tmp"/long/summaries/*.json 2>/dev/null | head -n1)
store=$(ls "$tmp"/long/stores/*.sqlite 2>/dev/null | head -n1)
status=$(sqlite3 "$store" "SELECT status FROM runs" 2>/dev/null)
runs=$(sqlite3 "$store" "SELECT count(*) FROM runs" 2>/dev/null)
resumes=$(sqlite3 "$store" "SELECT count(*) FROM events WHERE type = 'resume'" 2>/dev/null)
steps=$(grep -o '"steps": [0-9]*' "$summary" 2>/dev/null | head -n1)
echo "long task: $runs run(s), status '$status', $resumes resume(s), summary $steps"
if ! grep -q "checkpointing, then requeueing" "$log" || [[ $runs != 1 || $status != finished || ${resumes:-0} -lt 1 ]] ||
   [[ $steps != '"steps": 4000' ]]; then
    cat "$log"; show_logs; echo "FAIL: the task was not requeued and resumed to its end"; exit 1
fi
echo "PASS: a task signalled before its time limit checkpointed, requeued itself and resumed to its end"
