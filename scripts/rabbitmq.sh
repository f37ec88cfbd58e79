#!/usr/bin/env bash
# The RabbitMQ broker the OMCP tests need, on a machine without systemd.
#
#   scripts/rabbitmq.sh [start]   install (Debian package rabbitmq-server) if missing, start it in the
#                                 background, wait until it answers AMQP on 127.0.0.1:$OMCP_AMQP_PORT;
#                                 does nothing when a broker already answers there
#   scripts/rabbitmq.sh restart   stop the node this script started (waiting until its process has
#                                 exited: every connection is dropped, durable queues, exchanges and
#                                 bindings survive), start it again and wait until it answers; the
#                                 reconnect test uses this
#   scripts/rabbitmq.sh stop      stop the node this script started, waiting until its process exits
#   scripts/rabbitmq.sh status    exit 0 when a broker answers AMQP, 1 otherwise
#
# The node runs as the calling user (root or not: installing needs root or sudo, running does not),
# named omcp@localhost, with its data and logs in $OMCP_RABBITMQ_DIR (default /tmp/omcp-rabbitmq-$UID),
# so it touches neither /var/lib/rabbitmq nor a system-wide broker. Environment:
#   OMCP_AMQP_PORT       AMQP port (default 5672)
#   OMCP_RABBITMQ_DIR    state directory (default /tmp/omcp-rabbitmq-$UID)
#   OMCP_RABBITMQ_WAIT   seconds to wait for the broker (default 120)
set -euo pipefail

PORT="${OMCP_AMQP_PORT:-5672}"
DIR="${OMCP_RABBITMQ_DIR:-/tmp/omcp-rabbitmq-$(id -u)}"
WAIT="${OMCP_RABBITMQ_WAIT:-120}"
SBIN=/usr/lib/rabbitmq/bin

export RABBITMQ_NODENAME=omcp@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT"
export RABBITMQ_DIST_PORT=$((PORT + 20000))
export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
export RABBITMQ_LOG_BASE="$DIR/log"
export RABBITMQ_PID_FILE="$DIR/rabbitmq.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq"
export RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"

log() { echo "rabbitmq.sh: $*" >&2; }

# Whether something on 127.0.0.1:$PORT answers the AMQP 0-9-1 protocol header with a frame
# (connection.start begins with frame type 1), within 5 seconds.
answers_amqp() {
    timeout 5 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "AMQP\x00\x00\x09\x01" >&3
        head -c 1 <&3 | od -An -tx1 | grep -q 01
    ' _ "$PORT" 2>/dev/null
}

wait_until_ready() {
    local deadline=$((SECONDS + WAIT))
    until answers_amqp; do
        if ((SECONDS >= deadline)); then
            log "no AMQP answer on 127.0.0.1:$PORT after ${WAIT}s; logs in $RABBITMQ_LOG_BASE"
            tail -n 30 "$RABBITMQ_LOG_BASE"/*.log 2>/dev/null >&2 || true
            exit 1
        fi
        sleep 0.5
    done
}

ctl() { "$SBIN/rabbitmqctl" "$@"; }

install() {
    [[ -x "$SBIN/rabbitmq-server" ]] && return
    log "installing the Debian package rabbitmq-server"
    local sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo)
    # policy-rc.d may deny the package's own service start (no init system here): that is fine,
    # this script starts the broker itself.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        rabbitmq-server >/dev/null
}

start() {
    if answers_amqp; then
        log "a broker already answers on 127.0.0.1:$PORT"
        return
    fi
    install
    start_node
    log "ready"
}

start_node() {
    mkdir -p "$DIR" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    [[ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ]] || echo "[]." >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    touch "$RABBITMQ_CONFIG_FILE.conf" "$RABBITMQ_CONF_ENV_FILE"
    log "starting omcp@localhost on 127.0.0.1:$PORT (data in $DIR)"
    # -detached returns at once; the node keeps running after this script exits.
    (cd "$DIR" && "$SBIN/rabbitmq-server" -detached) >"$DIR/start.out" 2>&1
    wait_until_ready
}

# With the pid file, rabbitmqctl stop returns once the node's process has exited.
stop_node() { ctl -q stop "$RABBITMQ_PID_FILE" >/dev/null; }

restart() {
    local start_time=$SECONDS
    stop_node
    start_node
    log "restarted in $((SECONDS - start_time))s"
}

case "${1:-start}" in
start) start ;;
restart) restart ;;
stop) stop_node ;;
status) answers_amqp ;;
*)
    echo "usage: $0 [start|restart|stop|status]" >&2
    exit 2
    ;;
esac
