#!/usr/bin/env bash
# A local Apache Kafka 3.9 cluster (KRaft, combined broker+controller nodes) on loopback, for
# kizashi's integration tests, fault tests, benchmarks and trying kizashi out.
#
#   deploy/kafka/kafka.sh fetch                        resolve the jars (Maven) into the cache
#   deploy/kafka/kafka.sh start [--nodes N] [--dir D] [--port P] [--sasl] [--heap 512m]
#                                                      format (first time) and start; prints the
#                                                      bootstrap address on stdout
#   deploy/kafka/kafka.sh status [--dir D]             exit 0 if every node runs; prints bootstrap
#   deploy/kafka/kafka.sh bootstrap [--dir D]          prints the bootstrap address
#   deploy/kafka/kafka.sh stop [--dir D]               graceful stop of every node (then SIGKILL)
#   deploy/kafka/kafka.sh kill-node I [--dir D]        SIGKILL node I (fault tests)
#   deploy/kafka/kafka.sh stop-node I [--dir D]        graceful stop of node I
#   deploy/kafka/kafka.sh start-node I [--dir D]       start node I again (same ports, same data)
#   deploy/kafka/kafka.sh destroy [--dir D]            stop, then delete the cluster directory
#   deploy/kafka/kafka.sh acl [--dir D] -- ARGS...     kafka.admin.AclCommand ARGS against the
#                                                      cluster (as the PLAINTEXT super user)
#
# The cluster directory (default: var/kafka in the repository, or $KIZASHI_KAFKA_DIR) holds
# cluster.env (node count, ports, cluster id), node-<i>/server.properties, node-<i>/data and
# node-<i>/logs (the broker's log4j files). Starting a directory that already holds a cluster
# restarts it with the same ports and data. Ports: --port P gives node i the broker port
# P+i-1 (and controller port P+100+i-1, SASL port P+200+i-1); without it, free ports are picked.
#
# The jars (Apache Kafka 3.9.2, else 3.9.1, and the reload4j logging binding) are fetched with
# Maven (deploy/kafka/pom.xml) into ${KIZASHI_KAFKA_CACHE:-~/.cache/kizashi}/kafka-<version>/lib;
# ~/.m2 is reused. Set KIZASHI_KAFKA_VERSION to pin a version.
#
# --sasl adds a SASL_PLAINTEXT listener (SCRAM-SHA-256) and the StandardAuthorizer with
# allow.everyone.if.no.acl.found=false; the PLAINTEXT listener's ANONYMOUS principal and the
# SCRAM user "admin" are super users. SCRAM users are created at format time from
# $KIZASHI_KAFKA_SCRAM_USERS ("user:password ...", default below).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${KIZASHI_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kizashi}
DEFAULT_SCRAM_USERS="admin:admin-secret kizashi:kizashi-secret analyst-fsa:analyst-fsa-secret analyst-mlit:analyst-mlit-secret"

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# fetch

kafka_lib() {  # prints the lib directory of the resolved version; fetches it if needed
  local versions v lib
  if [ -n "${KIZASHI_KAFKA_VERSION:-}" ]; then versions=$KIZASHI_KAFKA_VERSION; else versions="3.9.2 3.9.1"; fi
  for v in $versions; do
    lib=$CACHE/kafka-$v/lib
    if [ -f "$lib/kafka_2.13-$v.jar" ] && [ -f "$lib/.complete" ]; then echo "$lib"; return 0; fi
  done
  command -v mvn >/dev/null || die "mvn is not installed (deploy/install-deps.sh installs maven)"
  command -v java >/dev/null || die "java is not installed (deploy/install-deps.sh installs openjdk-17-jre-headless)"
  for v in $versions; do
    lib=$CACHE/kafka-$v/lib
    local work
    work=$(mktemp -d)
    cp "$HERE/pom.xml" "$work/pom.xml"
    log "resolving org.apache.kafka:kafka_2.13:$v with Maven into $lib"
    rm -rf "$lib.tmp"
    if (cd "$work" && mvn -B -q -Dkafka.version="$v" dependency:copy-dependencies \
          -DoutputDirectory="$lib.tmp" -DincludeScope=runtime >"$work/mvn.log" 2>&1); then
      rm -rf "$lib"
      mv "$lib.tmp" "$lib"
      touch "$lib/.complete"
      rm -rf "$work"
      echo "$lib"
      return 0
    fi
    log "Kafka $v could not be resolved (Maven output: $work/mvn.log)"
    rm -rf "$lib.tmp"
  done
  die "no Kafka version of [$versions] could be fetched from Maven Central"
}

# ---------------------------------------------------------------------------------------------
# helpers

port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }

PICKED=" "
free_port() {  # sets FREE_PORT (not a subshell: PICKED must remember earlier picks)
  local p tries=0
  while :; do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    tries=$((tries + 1))
    [ $tries -gt 500 ] && die "no free port found"
    case "$PICKED" in *" $p "*) continue ;; esac
    port_in_use "$p" && continue
    PICKED="$PICKED$p "
    FREE_PORT=$p
    return 0
  done
}

node_pid() {  # prints the pid of node $1 if it runs
  local f=$DIR/node-$1/pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid must still be our broker (pids are reused).
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $DIR/node-$1/server.properties" || return 1
  echo "$pid"
}

load_env() {
  [ -f "$DIR/cluster.env" ] || die "no cluster in $DIR (run: kafka.sh start --dir $DIR)"
  # shellcheck disable=SC1091
  . "$DIR/cluster.env"
}

bootstrap() {
  local i out=""
  for i in $(seq 1 "$NODES"); do
    local v="BROKER_PORT_$i"
    out="$out${out:+,}127.0.0.1:${!v}"
  done
  echo "$out"
}

sasl_bootstrap() {
  local i out=""
  for i in $(seq 1 "$NODES"); do
    local v="SASL_PORT_$i"
    out="$out${out:+,}127.0.0.1:${!v}"
  done
  echo "$out"
}

write_node_config() {  # $1 = node id
  local i=$1 voters="" j rf isr
  for j in $(seq 1 "$NODES"); do
    local c="CONTROLLER_PORT_$j"
    voters="$voters${voters:+,}$j@127.0.0.1:${!c}"
  done
  rf=$(( NODES < 3 ? NODES : 3 ))
  isr=$(( rf >= 3 ? 2 : 1 ))
  local b="BROKER_PORT_$i" c="CONTROLLER_PORT_$i" s="SASL_PORT_$i"
  local listeners="PLAINTEXT://127.0.0.1:${!b},CONTROLLER://127.0.0.1:${!c}"
  local advertised="PLAINTEXT://127.0.0.1:${!b}"
  local protomap="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [ "$SASL" = 1 ]; then
    listeners="$listeners,SASL_PLAINTEXT://127.0.0.1:${!s}"
    advertised="$advertised,SASL_PLAINTEXT://127.0.0.1:${!s}"
    protomap="$protomap,SASL_PLAINTEXT:SASL_PLAINTEXT"
  fi
  mkdir -p "$DIR/node-$i/data" "$DIR/node-$i/logs"
  cat >"$DIR/node-$i/server.properties" <<EOF
# Written by deploy/kafka/kafka.sh; regenerated on every start.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$protomap
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DIR/node-$i/data
num.network.threads=2
num.io.threads=4
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
# Internal topics: fewer partitions than the defaults (50) so that a cluster starts fast.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=8
# Tests and kizashi create their topics explicitly (kizashi topics create).
auto.create.topics.enable=false
# A consumer group rebalances at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Dangling transactions of a killed producer are aborted promptly once they time out.
transaction.abort.timed.out.transaction.cleanup.interval.ms=2000
unclean.leader.election.enable=false
log.cleaner.backoff.ms=5000
EOF
  if [ "$SASL" = 1 ]; then
    cat >>"$DIR/node-$i/server.properties" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ANONYMOUS;User:admin
EOF
  fi
}

java_opts() {  # $1 = node id
  echo "-Xms$HEAP -Xmx$HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent \
-Djava.awt.headless=true -Dlog4j.configuration=file:$HERE/log4j.properties \
-Dkafka.logs.dir=$DIR/node-$1/logs"
}

start_node() {  # $1 = node id
  local i=$1
  if node_pid "$i" >/dev/null; then return 0; fi
  write_node_config "$i"
  # shellcheck disable=SC2046
  setsid nohup java $(java_opts "$i") -cp "$LIB/*" kafka.Kafka "$DIR/node-$i/server.properties" \
    >"$DIR/node-$i/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$DIR/node-$i/pid"
}

stop_node() {  # $1 = node id, $2 = seconds to wait before SIGKILL
  local pid
  pid=$(node_pid "$1") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ $waited -ge $(( $2 * 10 )) ]; then
      log "node $1 did not stop in $2 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$DIR/node-$1/pid"
}

wait_ready() {  # waits until every running node is a registered broker
  local want=$1 deadline=$(( $(date +%s) + ${KIZASHI_KAFKA_START_TIMEOUT:-120} )) bs
  bs=$(bootstrap)
  command -v kcat >/dev/null || die "kcat is not installed (deploy/install-deps.sh installs kcat)"
  while :; do
    local n
    n=$(kcat -L -b "$bs" -m 2 2>/dev/null | sed -n 's/^ *\([0-9]\+\) brokers:.*/\1/p' | head -1 || true)
    if [ "${n:-0}" -ge "$want" ]; then return 0; fi
    for i in $(seq 1 "$NODES"); do
      if [ -f "$DIR/node-$i/pid" ] && ! node_pid "$i" >/dev/null; then
        tail -20 "$DIR/node-$i/logs/stdout.log" "$DIR/node-$i/logs/server.log" >&2 2>/dev/null || true
        die "node $i exited during start-up (logs: $DIR/node-$i/logs)"
      fi
    done
    [ "$(date +%s)" -ge "$deadline" ] && die "cluster in $DIR not ready (logs: $DIR/node-*/logs)"
    sleep 0.3
  done
}

# ---------------------------------------------------------------------------------------------
# commands

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
NODE_ARG=""
case "$cmd" in kill-node|stop-node|start-node) NODE_ARG=${1:-}; [ -n "$NODE_ARG" ] || usage; shift ;; esac
TOOL_ARGS=()

DIR=${KIZASHI_KAFKA_DIR:-$ROOT/var/kafka}
NODES_ARG=""
PORT_ARG=""
SASL_ARG=0
HEAP=${KIZASHI_KAFKA_HEAP:-512m}
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES_ARG=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --port) PORT_ARG=$2; shift 2 ;;
    --sasl) SASL_ARG=1; shift ;;
    --heap) HEAP=$2; shift 2 ;;
    --) shift; TOOL_ARGS=("$@"); break ;;
    *) usage ;;
  esac
done
mkdir -p "$(dirname "$DIR")"
DIR=$(cd "$(dirname "$DIR")" && pwd)/$(basename "$DIR")

case "$cmd" in
  fetch)
    kafka_lib
    ;;

  start)
    LIB=$(kafka_lib)
    if [ -f "$DIR/cluster.env" ]; then
      load_env
      [ -z "$NODES_ARG" ] || [ "$NODES_ARG" = "$NODES" ] ||
        die "$DIR holds a $NODES-node cluster; use another --dir or 'destroy' it first"
    else
      NODES=${NODES_ARG:-1}
      [ "$NODES" -ge 1 ] || die "--nodes must be >= 1"
      SASL=$SASL_ARG
      mkdir -p "$DIR"
      CLUSTER_ID=$(java -Dlog4j.configuration="file:$HERE/log4j-tools.properties" -cp "$LIB/*" \
        kafka.tools.StorageTool random-uuid)
      {
        echo "NODES=$NODES"
        echo "SASL=$SASL"
        echo "CLUSTER_ID=$CLUSTER_ID"
        echo "LIB=$LIB"
        for i in $(seq 1 "$NODES"); do
          if [ -n "$PORT_ARG" ]; then
            echo "BROKER_PORT_$i=$(( PORT_ARG + i - 1 ))"
            echo "CONTROLLER_PORT_$i=$(( PORT_ARG + 100 + i - 1 ))"
            echo "SASL_PORT_$i=$(( PORT_ARG + 200 + i - 1 ))"
          else
            free_port; echo "BROKER_PORT_$i=$FREE_PORT"
            free_port; echo "CONTROLLER_PORT_$i=$FREE_PORT"
            free_port; echo "SASL_PORT_$i=$FREE_PORT"
          fi
        done
      } >"$DIR/cluster.env.tmp"
      mv "$DIR/cluster.env.tmp" "$DIR/cluster.env"
      load_env
      scram=()
      if [ "$SASL" = 1 ]; then
        for u in ${KIZASHI_KAFKA_SCRAM_USERS:-$DEFAULT_SCRAM_USERS}; do
          scram+=(--add-scram "SCRAM-SHA-256=[name=${u%%:*},password=${u#*:}]")
        done
      fi
      pids=()
      for i in $(seq 1 "$NODES"); do
        write_node_config "$i"
        java -Dlog4j.configuration="file:$HERE/log4j-tools.properties" -cp "$LIB/*" \
          kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$DIR/node-$i/server.properties" \
          "${scram[@]}" >"$DIR/node-$i/logs/format.log" 2>&1 &
        pids+=($!)
      done
      for p in "${pids[@]}"; do
        wait "$p" || die "formatting KRaft storage failed (see $DIR/node-*/logs/format.log)"
      done
    fi
    [ -d "$LIB" ] || LIB=$(kafka_lib)
    for i in $(seq 1 "$NODES"); do start_node "$i"; done
    wait_ready "$NODES"
    log "$NODES-node Kafka cluster ready in $DIR"
    bootstrap
    ;;

  status)
    load_env
    down=0
    for i in $(seq 1 "$NODES"); do
      if pid=$(node_pid "$i"); then log "node $i running (pid $pid)"; else log "node $i stopped"; down=1; fi
    done
    bootstrap
    exit $down
    ;;

  bootstrap)
    load_env
    bootstrap
    ;;

  sasl-bootstrap)
    load_env
    [ "$SASL" = 1 ] || die "the cluster in $DIR has no SASL listener (start it with --sasl)"
    sasl_bootstrap
    ;;

  stop)
    [ -f "$DIR/cluster.env" ] || exit 0
    load_env
    # Stop every node at once: a KRaft quorum that loses its majority one node at a time makes
    # the last nodes wait for a controller that is gone.
    for i in $(seq 1 "$NODES"); do stop_node "$i" "${KIZASHI_KAFKA_STOP_TIMEOUT:-30}" & done
    wait
    log "stopped the cluster in $DIR"
    ;;

  kill-node)
    load_env
    if pid=$(node_pid "$NODE_ARG"); then kill -KILL "$pid"; rm -f "$DIR/node-$NODE_ARG/pid"; fi
    ;;

  stop-node)
    load_env
    stop_node "$NODE_ARG" "${KIZASHI_KAFKA_STOP_TIMEOUT:-30}"
    ;;

  start-node)
    load_env
    LIB=$(kafka_lib)
    start_node "$NODE_ARG"
    ;;

  acl)
    load_env
    LIB=$(kafka_lib)
    java -Dlog4j.configuration="file:$HERE/log4j-tools.properties" -cp "$LIB/*" \
      kafka.admin.AclCommand --bootstrap-server "$(bootstrap)" "${TOOL_ARGS[@]}"
    ;;

  destroy)
    if [ -f "$DIR/cluster.env" ]; then
      load_env
      for i in $(seq 1 "$NODES"); do stop_node "$i" 10 & done
      wait
    fi
    case "$DIR" in /|"$HOME"|"$ROOT") die "refusing to delete $DIR" ;; esac
    rm -rf "$DIR"
    ;;

  *) usage ;;
esac
