#!/usr/bin/env bash
# ctest fixture for the integration tests: starts / stops a local Apache Kafka cluster with
# deploy/kafka/kafka.sh in DIR (under the build tree).
#
#   broker_fixture.sh start DIR NODES [kafka.sh start options...]
#   broker_fixture.sh stop DIR
#
# Without Java the cluster cannot run: the fixture then writes DIR/unavailable with the reason,
# succeeds, and every test that needs the cluster skips with that message.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kafka_sh="$here/../../deploy/kafka/kafka.sh"
action=$1
dir=$2
case "$action" in
  start)
    nodes=$3
    shift 3
    "$kafka_sh" destroy --dir "$dir" >/dev/null 2>&1 || true
    mkdir -p "$dir"
    if ! command -v java >/dev/null 2>&1; then
      msg="Java is not installed: the Kafka integration tests need Java 17 to run the bundled broker (deploy/install-deps.sh installs openjdk-17-jre-headless)"
      echo "$msg" >"$dir/unavailable"
      echo "SKIP: $msg"
      exit 0
    fi
    # Each broker gets 384 MB of heap: four of them (single + three-node) fit the CI machine.
    KIZASHI_KAFKA_HEAP=${KIZASHI_KAFKA_HEAP:-384m} "$kafka_sh" start --nodes "$nodes" --dir "$dir" "$@"
    ;;
  stop)
    if [ -f "$dir/cluster.env" ]; then "$kafka_sh" stop --dir "$dir"; fi
    ;;
  *)
    echo "usage: broker_fixture.sh start DIR NODES [options] | stop DIR" >&2
    exit 2
    ;;
esac
