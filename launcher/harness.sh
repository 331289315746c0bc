# shellcheck shell=bash
# TinyIM launcher library: the test harness. What the tests and the fault runs need besides a user's commands:
# the test stack's environment, the soak, the faults under load, and the internal commands that crash, fill or
# empty parts of a running stack (kill-service, fill-disk, restart-redis-empty). Sourced by ./tinyim; the
# commands are documented in launcher/README.md.

test_env() { # what the end-to-end tests in client/src/test read to find the test stack
  TINYIM_TEST_GATEWAYS="$(gateway_urls http)"; export TINYIM_TEST_GATEWAYS
  TINYIM_TEST_SERVICES="$(service_urls)"; export TINYIM_TEST_SERVICES # name=url of every backend instance and gateway
  TINYIM_TEST_DISCOVERY="$(discovery)"; export TINYIM_TEST_DISCOVERY # registry or dns (up --discovery)
  TINYIM_TEST_REDIS_MODE="$(redis_mode)"; export TINYIM_TEST_REDIS_MODE # standalone or cluster (up --redis)
  TINYIM_TEST_REDIS_PORT="$(redis_port)"; TINYIM_TEST_PRIMARY_PORT="$(primary_port)"; TINYIM_TEST_REPLICA_PORT="$(replica_port)"
  export TINYIM_TEST_REDIS_PORT TINYIM_TEST_PRIMARY_PORT TINYIM_TEST_REPLICA_PORT TINYIM_TEST_LAUNCHER="$ROOT/tinyim"
  export TINYIM_TEST_HEARTBEAT_TIMEOUT_MS=3000 TINYIM_TEST_MAX_GROUP_SIZE=20 TINYIM_TEST_RYW_WINDOW_MS=5000 TINYIM_TEST_IDLE_TIMEOUT_MS=6000
}

ensure_browser_test_deps() { # playwright-core for client/src/test/browser, exactly as its lock file says
  local dir="$ROOT/client/src/test/browser"
  if [[ ! -d "$dir/node_modules/playwright-core" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "installing the browser test's npm packages"
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed in $dir"
  fi
}

cmd_soak() { # MINUTES: the test stack under steady 1:1 and group load, a gateway restarted every 90 s, then the
  # count of lost and duplicated acknowledged messages (must be 0) and every process's heap and RSS at start and end
  local minutes="$1" rc=0 restarts every=90
  if ! [[ "$minutes" =~ ^[0-9]+$ ]] || ((minutes == 0)); then
    usage_error "test --soak MINUTES: a whole number of minutes, not '$minutes'"
  fi
  restarts=$(( minutes * 60 / (every + 15) )); ((restarts > 0)) || restarts=1 # a restart itself takes about 15 s
  export TINYIM_GATEWAY_HEARTBEAT_TIMEOUT=90s
  (cmd_up --gateways 2) || { "$0" down >/dev/null 2>&1 || true; die "test stack did not come up"; }
  # users 0-99 are in 10 groups of 10; every user has friends for the 1:1 traffic
  "$0" seed --users 400 --friends 2 --groups 10 --group-size 10 > /dev/null || rc=1
  ((rc)) || "$0" bench storm --users 400 --rate 40 --groups 10 --group-rate 10 --warmup 10 --memory true \
    --restarts "$restarts" --restart-every "$every" --restart gateway-1,gateway-0 || rc=$?
  "$0" down > /dev/null 2>&1 || true
  return $rc
}

fill_disk() { # DIR SECONDS: the filesystem of DIR full to its last block for SECONDS, then freed again
  local dir="$1" secs="$2" filler="$1/tinyim-disk-full" avail
  avail=$(df -B1 --output=avail "$dir" | tail -n 1 | tr -d ' ')
  # fallocate takes the blocks without writing them; a few blocks go to the file's own metadata
  until fallocate -l "$avail" "$filler" 2>/dev/null || ((avail <= 0)); do avail=$((avail - 1048576)); done
  dd if=/dev/zero of="$filler.tail" bs=4096 2>/dev/null || true # and the last blocks, one at a time
  say "$dir is full ($(df -h --output=avail "$dir" | tail -n 1 | tr -d ' ') free); freeing it in $secs s"
  sleep "$secs"
  rm -f "$filler" "$filler.tail"
  say "$dir has room again ($(df -h --output=avail "$dir" | tail -n 1 | tr -d ' ') free)"
}

running_child() { # PID: a child of this shell that has not exited (an exited one is a zombie until waited for)
  local state; state="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ "$state" != Z* ]]
}

cmd_faults() { # [--rate R] [--group-rate G] [--seconds S] [--only f1,f2]: issue 21's faults under load, one by one
  local rate=500 group_rate=50 seconds=30 only="" f rc=0 out
  out="$ROOT/client/target/bench/faults-$(date +%Y%m%d-%H%M%S)"
  while (($#)); do
    case "$1" in
      --rate) rate="$2"; shift 2 ;;
      --group-rate) group_rate="$2"; shift 2 ;;
      --seconds) seconds="$2"; shift 2 ;;
      --only) only="$2"; shift 2 ;;
      *) usage_error "faults: unknown option '$1' (./tinyim faults --help)" ;;
    esac
  done
  find_java
  build_if_changed # once, here: the two load generators below would otherwise both start a build
  [[ "$(writer_role)" == primary ]] || die "faults need the primary and the replica (./tinyim down --purge; ./tinyim up --gateways 2)"
  [[ "$(running_gateways | wc -w)" -ge 2 ]] || die "faults need two gateways: ./tinyim up --gateways 2"
  # shellcheck disable=SC2153 # STATE is the launcher's, set before this library is sourced
  if [[ ! -f "$STATE/seed/groups.tsv" ]] || (( $(wc -l < "$STATE/seed/tokens.tsv") < 2400 )); then
    say "seeding 2,400 users: 40 groups of 10 (users 0-399) for the group traffic, pairs of friends for the 1:1 load"
    "$0" seed --users 2400 --friends 2 --groups 40 --group-size 10 >/dev/null || die "seed failed"
  fi
  mkdir -p "$out"
  local me="'$ROOT/tinyim'" redis_fault=redis data
  [[ "$(redis_mode)" != cluster ]] || redis_fault=redis-master # a cluster loses a master, not all its data
  local all=(chat relation "$redis_fault" replica sigstop-chat gateway); data="$(db_dir primary)/data"
  mountpoint -q "$data" && all+=(disk-full)
  all+=(failover) # last: afterwards the stack runs on the promoted replica alone
  [[ -z "$only" ]] || IFS=, read -r -a all <<< "$only"
  for f in "${all[@]}"; do
    local cmd secs="$seconds"
    case "$f" in
      chat|relation) cmd="$me kill-service $f; sleep 1; $me start-service $f" ;;
      redis) cmd="$me restart-redis-empty" ;;
      redis-master) cmd="$me kill-redis-master tinyim:push:gateway-0; sleep 5; $me infra-up" ;; # the replica takes over
      replica) cmd="kill -9 \$(cat '$(pidfile mariadb-replica)'); sleep 10; $me infra-up" ;;
      sigstop-chat) cmd="kill -STOP \$(cat '$(pidfile chat)'); sleep 10; kill -CONT \$(cat '$(pidfile chat)')" ;;
      gateway) cmd="" ;;
      disk-full) # the primary's filesystem filled to the last block for 10 s, then freed; it needs a disk of its own
        mountpoint -q "$data" || die "fault disk-full needs the primary on a disk of its own: ./tinyim down --purge; ./tinyim up --gateways 2 --primary-disk 2G (root)"
        cmd="$me fill-disk '$data' 10"
        ((secs >= 90)) || secs=90 ;; # MariaDB retries a write that found the disk full once a minute
      failover) # the primary lost (kill -9), ./tinyim failover 2 s later; the services follow without a restart
        [[ "$(writer_role)" == primary ]] || die "fault failover: already failed over (./tinyim down --purge; ./tinyim up --gateways 2)"
        cmd="kill -9 \$(cat '$(pidfile mariadb-primary)'); sleep 2; $me failover" ;;
      *) usage_error "faults: unknown fault '$f' (chat relation redis redis-master replica sigstop-chat gateway disk-full failover)" ;;
    esac
    say "fault $f: 1:1 at $rate msg/s (2,000 users) and group at $group_rate msg/s (40 groups of 10) for $secs s"
    if [[ "$f" == gateway ]]; then
      # clients that follow a crashed gateway need reconnecting sessions: the storm scenario, kill -9 of a gateway
      "$0" bench storm --from-user 400 --users 2000 --rate "$rate" --warmup 8 --restarts 1 --restart gateway-1 --restart-how kill \
        --ready-file "$out/$f-p2p.ready" --go-file "$out/$f.go" --out "$out/$f-p2p.json" > "$out/$f-p2p.txt" 2>&1 &
    else
      "$0" bench p2p --from-user 400 --users 2000 --rate "$rate" --duration "$secs" --fault "$cmd" --fault-at 8 \
        --ready-file "$out/$f-p2p.ready" --go-file "$out/$f.go" --out "$out/$f-p2p.json" > "$out/$f-p2p.txt" 2>&1 &
    fi
    local p2p=$! only_gw=()
    # the group load's sessions do not reconnect: for a gateway crash they stay on the gateway that lives
    [[ "$f" != gateway ]] || only_gw=(--gateways "ws://127.0.0.1:$(http_port gateway-0)/ws")
    "$0" bench group --groups 40 --online 10 --rate "$group_rate" --duration "$secs" --warmup 0 "${only_gw[@]}" \
      --ready-file "$out/$f-group.ready" --go-file "$out/$f.go" --out "$out/$f-group.json" > "$out/$f-group.txt" 2>&1 &
    local grp=$! pending
    # both start their measured runs together, once both are logged in (2,000 logins take 5-25 s), so the fault at
    # second 8 falls inside both runs; a generator that died before it was ready lets the other go on alone
    for _ in $(seq 1 3000); do
      pending=0
      [[ -f "$out/$f-p2p.ready" ]] || ! running_child "$p2p" || pending=1
      [[ -f "$out/$f-group.ready" ]] || ! running_child "$grp" || pending=1
      ((pending)) || break
      sleep 0.2
    done
    touch "$out/$f.go"
    wait "$p2p" || rc=1
    wait "$grp" || rc=1
    if ! { alive chat && alive relation && redis_alive; }; then die "fault $f: a service is still down after its restart"; fi
    local load
    for load in p2p group; do
      jq -r --arg f "$f" --arg l "$load" '[$f, $l, (.counters.acknowledged // 0), (.counters.lost // 0),
          (.counters.duplicated // 0), (.counters["seq gaps"] // "-"), (.errors | to_entries | map("\(.key) \(.value)") | join(", ")),
          (.facts["seconds from the fault until every second accepts 90% of the offered rate"] // "-")] | @tsv' \
        "$out/$f-$load.json" 2>/dev/null || echo "$f	$load	(no report: see $out/$f-$load.txt)"
    done >> "$out/summary.tsv"
    sleep 5 # the stack settles (replica caught up, routes renewed) before the next fault
  done
  printf 'fault\tload\tacknowledged\tlost\tduplicated\tseq gaps\terrors\tseconds to 90%% rate\n'; cat "$out/summary.tsv"
  say "reports in $out"
  return $rc
}

kill_service() { # name: SIGKILL, as a crash (in a container: the service process inside it)
  if [[ -f "$STATE/run/$1.container" ]]; then
    podman kill -s KILL "$(cat "$STATE/run/$1.container")" >/dev/null 2>&1 || true
    rm -f "$STATE/run/$1.container"
    for _ in $(seq 1 40); do alive "$1" || break; sleep 0.25; done
  fi
  alive "$1" && kill -KILL "$(cat "$(pidfile "$1")")"
  rm -f "$(pidfile "$1")"
}

restart_redis_empty() { # Redis lost its data: stopped, its files deleted, started again (the registry and routes
  # come back from the services' renewals; the primary's address from the launcher)
  [[ "$(redis_mode)" != cluster ]] || die "restart-redis-empty is for a single Redis; a cluster loses a master instead: kill-redis-master KEY"
  stop_process redis 10
  rm -f "$STATE"/redis/*.rdb "$STATE"/redis/*.aof
  start_redis
  publish_writer
}
