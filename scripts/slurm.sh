#!/usr/bin/env bash
# A one-node Slurm cluster on 127.0.0.1 (Debian's slurm-wlm), for the Toil tests.
#
# Usage: scripts/slurm.sh {start|stop|status|env}
#
#   start   install the packages if missing (root: slurmctld slurmd slurm-client
#           munge slurmdbd mariadb-server), write the configuration, and start what
#           is not already running: munged, mariadbd, slurmdbd, slurmctld, slurmd.
#           Waits until the node is idle and `sacct` answers. Idempotent: daemons
#           that run already (started by an earlier `start`) are reused.
#   stop    stop the daemons this script started (SIGTERM, then SIGKILL after 30 s),
#           in reverse order; anything else is left alone.
#   status  one line; exit status 0 when the controller answers.
#   env     print `export SLURM_CONF=...` (the Slurm commands, and Toil, need it).
#
# Why slurmdbd and MariaDB: Slurm 22.05 keeps job records for `sacct` only
# through slurmdbd (accounting_storage/none disables sacct; jobcomp/filetxt
# writes a text file that sacct does not read). MariaDB runs with its own data
# directory under .state/slurm/, TCP on 127.0.0.1 only.
#
# The node has the machine's real CPUs and memory (`slurmd -C`). Resources are
# consumable (select/cons_tres, CR_Core_Memory), so two 1-CPU jobs run at once on
# 2 CPUs. EnforcePartLimits=ALL: a job asking for more CPUs or memory than the node
# has is refused by sbatch at submission, it does not wait in the queue forever.
#
# MUNGE runs as Debian's service would (user munge, /etc/munge/munge.key made by
# the package, socket /run/munge/munge.socket.2: Slurm 22.05's sacctmgr ignores
# AuthInfo=socket= for slurmdbd connections). Everything else lives under
# .state/slurm/ (git-ignored): etc/ (slurm.conf, slurmdbd.conf), mysql/, spool/,
# state/, log/, run/ (pids), and `started` (the daemons this script started). Ports (loopback): slurmctld
# CLAIMED_SLURMCTLD_PORT (6817), slurmd CLAIMED_SLURMD_PORT (6818), slurmdbd
# CLAIMED_SLURMDBD_PORT (6819), MariaDB CLAIMED_SLURM_DB_PORT (13306).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SL=$STATE_DIR/slurm
CTLD_PORT=${CLAIMED_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${CLAIMED_SLURMD_PORT:-6818}
DBD_PORT=${CLAIMED_SLURMDBD_PORT:-6819}
DB_PORT=${CLAIMED_SLURM_DB_PORT:-13306}
CLUSTER=claimed
PARTITION=claimed
MUNGE_SOCKET=/run/munge/munge.socket.2
MUNGE_PID=/run/munge/munged.pid
DB_SOCKET=$SL/run/mysqld.sock
export SLURM_CONF=$SL/etc/slurm.conf
PACKAGES=(slurmctld slurmd slurm-client munge slurmdbd mariadb-server mariadb-client)

# --- probes -----------------------------------------------------------------

munge_up() { [ -S "$MUNGE_SOCKET" ] && munge -S "$MUNGE_SOCKET" -n </dev/null 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; }
db_up() { [ -S "$DB_SOCKET" ] && mariadb --no-defaults --socket="$DB_SOCKET" -u root -e 'select 1' >/dev/null 2>&1; }
dbd_up() { [ -f "$SLURM_CONF" ] && timeout 10 sacctmgr -n list cluster format=cluster >/dev/null 2>&1; }
ctld_up() { [ -f "$SLURM_CONF" ] && timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_idle() { timeout 10 sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; }
sacct_up() { timeout 10 sacct -n -X -S now-1minutes >/dev/null 2>&1; }

# --- configuration ----------------------------------------------------------

# node_line: the NodeName line of slurmd -C (the real CPUs, sockets and memory), on 127.0.0.1.
node_line() {
    slurmd -C | head -n 1 | sed -e "s/^NodeName=\([^ ]*\)/NodeName=\1 NodeAddr=127.0.0.1 NodeHostname=\1/"
}

write_config() {
    mkdir -p "$SL"/{etc,mysql,spool,state,log,run}
    local host
    host=$(hostname -s)
    cat >"$SLURM_CONF" <<EOF
# Written by scripts/slurm.sh: a one-node cluster on 127.0.0.1.
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$SL/state
SlurmdSpoolDir=$SL/spool
SlurmctldPidFile=$SL/run/slurmctld.pid
SlurmdPidFile=$SL/run/slurmd.pid
SlurmctldLogFile=$SL/log/slurmctld.log
SlurmdLogFile=$SL/log/slurmd.log
# No cgroups in a container: track processes by their parent, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
EnforcePartLimits=ALL
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
$(node_line) State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    (
        umask 077
        [ -s "$SL/etc/db.pass" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$SL/etc/db.pass"
        cat >"$SL/etc/slurmdbd.conf" <<EOF
# Written by scripts/slurm.sh.
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$SL/log/slurmdbd.log
PidFile=$SL/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$(cat "$SL/etc/db.pass")
StorageLoc=slurm_acct_db
EOF
    )
}

# --- daemons ----------------------------------------------------------------

# mark_started NAME: remember that this script started NAME (for stop).
mark_started() { grep -qx "$1" "$SL/started" 2>/dev/null || echo "$1" >>"$SL/started"; }

# wait_until SECONDS WHAT CHECK...: poll CHECK every 0.3 s; die after SECONDS with the log's tail.
wait_until() {
    local limit=$1 what=$2 t0
    shift 2
    t0=$(now)
    until "$@"; do
        if awk -v s="$t0" -v e="$(now)" -v l="$limit" 'BEGIN { exit !(e - s > l) }'; then
            tail -n 20 "$SL/log/$what.log" >&2 2>/dev/null || true
            die "$what not ready after $limit s (log: $SL/log/$what.log)"
        fi
        sleep 0.3
    done
}

start_munge() {
    munge_up && { log "munged: running, reused"; return; }
    # As Debian's munge service does: user munge, the package's key (made if missing).
    [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    runuser -u munge -- munged --socket="$MUNGE_SOCKET" --pid-file="$MUNGE_PID"
    mark_started munged
    wait_until 20 munged munge_up
}

start_db() {
    db_up && { log "mariadbd: running, reused"; return; }
    if ! [ -d "$SL/mysql/mysql" ]; then
        mariadb-install-db --no-defaults --datadir="$SL/mysql" --user=root --auth-root-authentication-method=socket \
            --skip-test-db >"$SL/log/mariadb-install.log" 2>&1 || { tail -n 20 "$SL/log/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
    fi
    setsid mariadbd --no-defaults --datadir="$SL/mysql" --user=root --socket="$DB_SOCKET" --port="$DB_PORT" \
        --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$SL/run/mariadbd.pid" \
        --log-error="$SL/log/mariadbd.log" --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900 \
        </dev/null >/dev/null 2>&1 &
    mark_started mariadbd
    wait_until 60 mariadbd db_up
    local pass
    pass=$(cat "$SL/etc/db.pass")
    mariadb --no-defaults --socket="$DB_SOCKET" -u root -e "
        CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$pass';
        ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$pass';
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
}

start_dbd() {
    dbd_up && { log "slurmdbd: running, reused"; return; }
    slurmdbd  # reads slurmdbd.conf beside $SLURM_CONF
    mark_started slurmdbd
    wait_until 60 slurmdbd dbd_up
    sacctmgr -n list cluster format=cluster | grep -qw "$CLUSTER" || sacctmgr -i add cluster "$CLUSTER" >/dev/null
}

start_ctld() {
    ctld_up && { log "slurmctld: running, reused"; return; }
    slurmctld -f "$SLURM_CONF"
    mark_started slurmctld
    wait_until 60 slurmctld ctld_up
}

start_slurmd() {
    if pid_alive "$SL/run/slurmd.pid"; then
        log "slurmd: running, reused"
    else
        slurmd -f "$SLURM_CONF"
        mark_started slurmd
    fi
    wait_until 60 slurmd node_idle
    # A node left DOWN/DRAIN by an earlier, killed cluster: give it back.
    if timeout 10 sinfo -h -N -o '%t' | grep -qE 'down|drain'; then
        scontrol update nodename="$(hostname -s)" state=resume || true
    fi
}

do_start() {
    apt_install "${PACKAGES[@]}"
    local t0
    t0=$(now)
    write_config
    start_munge
    start_db
    start_dbd
    start_ctld
    start_slurmd
    wait_until 60 slurmctld sacct_up
    log "cluster $CLUSTER up in $(elapsed "$t0") s: $(sinfo -h -N -o '%N %c CPUs %m MB %t')"
    echo "$SLURM_CONF"
}

# stop_one NAME PIDFILE: SIGTERM, wait up to 30 s, then SIGKILL.
stop_one() {
    local name=$1 pidfile=$2 pid _
    if ! pid_alive "$pidfile"; then
        log "$name: not running"
        return 0
    fi
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -0 "$pid" 2>/dev/null && { log "$name (pid $pid) did not stop in 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
    log "$name: stopped (pid $pid)"
}

do_stop() {
    [ -s "$SL/started" ] || { log "nothing started by this script, nothing stopped"; return 0; }
    local name
    for name in slurmd slurmctld slurmdbd mariadbd munged; do
        grep -qx "$name" "$SL/started" || continue
        if [ "$name" = munged ]; then stop_one munged "$MUNGE_PID"; else stop_one "$name" "$SL/run/$name.pid"; fi
    done
    rm -f "$SL/started"
}

case ${1:-} in
    start) do_start ;;
    stop) do_stop ;;
    status)
        if [ -f "$SLURM_CONF" ] && ctld_up; then echo "slurm: up ($(sinfo -h -N -o '%N %c CPUs %m MB %t'); SLURM_CONF=$SLURM_CONF)"
        else echo "slurm: down"; exit 1; fi ;;
    env) echo "export SLURM_CONF=$SLURM_CONF" ;;
    *) die "usage: $0 {start|stop|status|env}" ;;
esac
