#!/usr/bin/env bash
# run_http_bench.sh: corofy's HTTP server against Boost.Asio's, under wrk.
#
#   run_http_bench.sh [options] COROFY_SERVER ASIO_SERVER
#
# COROFY_SERVER and ASIO_SERVER are http_bench_server and asio_http_server
# (both take --port 0 --threads N and print "listening on 127.0.0.1:<port>").
# For each server-thread count and each connection count, each measurement
# starts a fresh server, warms it up with wrk, then runs
#   wrk -t<wrk threads> -c<connections> -d<duration>s --latency http://127.0.0.1:<port>/
# and records requests/s, the p99 latency, and the server's CPU time per
# request (its utime+stime from /proc over the measured run, divided by the
# requests wrk counted). Measurements are repeated, the two servers
# interleaved ABBA (corofy, asio, asio, corofy, ...) so that a drift in the
# machine's load hits both alike, and one table of medians is printed.
#
# Pinning (taskset): when the machine has more CPUs than the server has
# threads, the server runs on CPUs 0..N-1 and wrk on the CPUs after them, so
# that they do not take CPU time from each other; otherwise (say 2 server
# threads on 2 CPUs) nothing is pinned and the table says so.
#
# Options:
#   --wrk PATH          the wrk to run (default: wrk on PATH)
#   --duration S        seconds of each measured wrk run (default 5)
#   --warmup S          seconds of wrk before each measured run (default 1)
#   --repeats N         measurements per server and setting (default 3)
#   --connections LIST  connection counts, e.g. "64 256" (the default)
#   --threads LIST      server threads, e.g. "1 2" (the default)
#   --wrk-threads N     wrk's -t (default 1)
#   --no-pin            never pin with taskset
#   --verbose           print each run's numbers as it ends
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

wrk=wrk
duration=5
warmup=1
repeats=3
connections="64 256"
server_threads="1 2"
wrk_threads=1
pin=1
verbose=0
while (($#)); do
  case "$1" in
  --wrk) wrk=$2; shift 2 ;;
  --duration) duration=$2; shift 2 ;;
  --warmup) warmup=$2; shift 2 ;;
  --repeats) repeats=$2; shift 2 ;;
  --connections) connections=$2; shift 2 ;;
  --threads) server_threads=$2; shift 2 ;;
  --wrk-threads) wrk_threads=$2; shift 2 ;;
  --no-pin) pin=0; shift ;;
  --verbose) verbose=1; shift ;;
  -h | --help) usage ;;
  -*) echo "run_http_bench.sh: unknown option $1" >&2; usage ;;
  *) break ;;
  esac
done
(($# == 2)) || usage
declare -A binary=([corofy]=$1 [asio]=$2)
for side in corofy asio; do
  if [ ! -x "${binary[$side]}" ]; then
    echo "run_http_bench.sh: ${binary[$side]} is not an executable" >&2
    exit 1
  fi
done
if ! command -v "$wrk" >/dev/null; then
  echo "run_http_bench.sh: wrk not found (apt-get install wrk)" >&2
  exit 1
fi
if ((pin)) && ! command -v taskset >/dev/null; then
  echo "run_http_bench.sh: taskset not found; not pinning" >&2
  pin=0
fi
cpus=$(nproc)
ticks=$(getconf CLK_TCK)

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The CPU sets of the server and of wrk for `threads` server threads, or
# empty strings when not pinning.
server_cpus='' wrk_cpus=''
cpu_range() {
  if (($1 == $2)); then echo "$1"; else echo "$1-$2"; fi
}
choose_cpus() {
  local threads=$1
  server_cpus='' wrk_cpus=''
  if ((pin && cpus > threads)); then
    server_cpus=$(cpu_range 0 $((threads - 1)))
    wrk_cpus=$(cpu_range "$threads" $((cpus - 1)))
  fi
}

# Starts server `side` with `threads` threads; sets server_pid and port.
start_server() {
  local side=$1 threads=$2
  local -a command=("${binary[$side]}" --port 0 --threads "$threads")
  [ -n "$server_cpus" ] && command=(taskset -c "$server_cpus" "${command[@]}")
  : >"$work/server.out"
  "${command[@]}" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/server.out")
    [ -n "$port" ] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  echo "run_http_bench.sh: the $side server did not start:" >&2
  cat "$work/server.err" >&2
  exit 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# The server's CPU time so far, in clock ticks, all its threads: "<user>
# <system>" (utime and stime, fields 14 and 15 of /proc/PID/stat, counted
# after the parenthesised name).
server_ticks() {
  sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{ print $12, $13 }'
}

# One GET / on a new connection; the server must answer 200 with the body.
check_response() {
  local side=$1 response
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  response=$(timeout 5 cat <&3 || true)
  exec 3<&-
  if [[ "$response" != "HTTP/1.1 200 OK"*"Hello, World!" ]]; then
    echo "run_http_bench.sh: the $side server answered GET / with:" >&2
    printf '%s\n' "$response" >&2
    exit 1
  fi
}

run_wrk() {
  local seconds=$1 conns=$2
  local -a command=("$wrk" "-t$wrk_threads" "-c$conns" "-d${seconds}s"
    --latency "http://127.0.0.1:$port/")
  [ -n "$wrk_cpus" ] && command=(taskset -c "$wrk_cpus" "${command[@]}")
  "${command[@]}"
}

# Parses wrk's output: "<req/s> <p99 in us> <requests> <errors>".
parse_wrk() {
  awk '
    function us(text) {
      if (text ~ /us$/) return text + 0
      if (text ~ /ms$/) return text * 1000
      if (text ~ /m$/) return text * 60e6
      if (text ~ /s$/) return text * 1e6
      return -1
    }
    $1 == "99%" { p99 = us($2) }
    $1 == "Requests/sec:" { rps = $2 }
    $2 == "requests" && $3 == "in" { requests = $1 }
    /Socket errors:/ {
      gsub(/,/, "")
      errors += $4 + $6 + $8 + $10
    }
    /Non-2xx or 3xx responses:/ { errors += $NF }
    END {
      if (rps == "" || p99 == "") exit 1
      printf "%s %s %s %d\n", rps, p99, requests, errors
    }'
}

# results[side,threads,conns] = "rps p99 cpu_us/req user_us/req errors;..."
declare -A results
measure() {
  local side=$1 threads=$2 conns=$3 before after out parsed cpu user
  start_server "$side" "$threads"
  check_response "$side"
  if ((warmup > 0)) && ! run_wrk "$warmup" "$conns" >/dev/null; then
    echo "run_http_bench.sh: wrk failed on the $side server" >&2
    exit 1
  fi
  before=$(server_ticks)
  if ! out=$(run_wrk "$duration" "$conns"); then
    echo "run_http_bench.sh: wrk failed on the $side server" >&2
    exit 1
  fi
  after=$(server_ticks)
  stop_server
  if ! parsed=$(parse_wrk <<<"$out"); then
    echo "run_http_bench.sh: cannot read wrk's output:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
  read -r rps p99 requests errors <<<"$parsed"
  read -r cpu user < <(awk -v before="$before" -v after="$after" \
    -v hz="$ticks" -v n="$requests" 'BEGIN {
      split(before, b, " "); split(after, a, " ")
      us = n > 0 ? 1e6 / hz / n : 0
      printf "%.2f %.2f\n", (a[1] + a[2] - b[1] - b[2]) * us, (a[1] - b[1]) * us
    }')
  results[$side,$threads,$conns]+="$rps $p99 $cpu $user $errors;"
  if ((verbose)); then
    printf '  %-6s threads=%s conns=%-4s %7.0f req/s  p99 %6.0f us  CPU %5s us/req (user %5s)  errors %s\n' \
      "$side" "$threads" "$conns" "$rps" "$p99" "$cpu" "$user" "$errors" >&2
  fi
}

# The median of field `f` of the runs in "a b c d;a b c d;...".
median() {
  tr ';' '\n' <<<"$1" | awk -v f="$2" 'NF { print $f }' | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# "min-max" of field `f`.
spread() {
  tr ';' '\n' <<<"$1" | awk -v f="$2" 'NF { print $f }' | sort -g |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'
}
total() {
  tr ';' '\n' <<<"$1" | awk -v f="$2" 'NF { s += $f } END { print s + 0 }'
}
# Field `f` of the runs in $1 over the same field of the runs in $2, pair by
# pair (run i of each was measured next to the other): "<median> <low>
# <high> <wins> <pairs>", where low-high is a distribution-free confidence
# interval of the median ratio at 95% or more (the order statistics k and
# n+1-k of the n sorted ratios, k the largest with P(Binomial(n, 1/2) < k)
# <= 0.025; "- -" when n < 6 leaves none), and wins counts the pairs whose
# ratio is above 1.
paired() {
  paste -d' ' <(tr ';' '\n' <<<"$1" | awk -v f="$3" 'NF { print $f }') \
    <(tr ';' '\n' <<<"$2" | awk -v f="$3" 'NF { print $f }') |
    awk '$2 > 0 { print $1 / $2 }' | sort -g |
    awk '{ r[NR] = $1; wins += $1 > 1 } END {
      n = NR
      if (n == 0) { print "0 - - 0 0"; exit }
      median = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
      # P(X <= i) for X ~ Binomial(n, 1/2), summed term by term.
      term = 0.5 ^ n; below = term; k = 0
      for (i = 0; i < n && below <= 0.025; ++i) {
        k = i + 1
        term *= (n - i) / (i + 1); below += term
      }
      if (k >= 1 && k <= n + 1 - k)
        printf "%.3f %.3f %.3f %d %d\n", median, r[k], r[n + 1 - k], wins, n
      else
        printf "%.3f - - %d %d\n", median, wins, n
    }'
}

echo "HTTP benchmark: wrk -t$wrk_threads -c<conns> -d${duration}s --latency," \
  "${repeats}x per server, interleaved; $cpus CPUs, load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
for threads in $server_threads; do
  choose_cpus "$threads"
  for conns in $connections; do
    for ((rep = 0; rep < repeats; ++rep)); do
      if ((rep % 2 == 0)); then
        measure corofy "$threads" "$conns"
        measure asio "$threads" "$conns"
      else
        measure asio "$threads" "$conns"
        measure corofy "$threads" "$conns"
      fi
    done
  done
done

echo
printf '%-6s %7s %5s %7s %13s %7s %8s %8s %6s %9s %7s %7s\n' \
  server threads conns "req/s" "(min-max)" "p99 us" "CPU us/r" "usr us/r" \
  errors "req/s c/a" "p99 c/a" "CPU c/a"
for threads in $server_threads; do
  choose_cpus "$threads"
  for conns in $connections; do
    c_rps=$(median "${results[corofy,$threads,$conns]}" 1)
    a_rps=$(median "${results[asio,$threads,$conns]}" 1)
    c_p99=$(median "${results[corofy,$threads,$conns]}" 2)
    a_p99=$(median "${results[asio,$threads,$conns]}" 2)
    c_cpu=$(median "${results[corofy,$threads,$conns]}" 3)
    a_cpu=$(median "${results[asio,$threads,$conns]}" 3)
    for side in corofy asio; do
      runs=${results[$side,$threads,$conns]}
      if [ "$side" = corofy ]; then
        ratios=$(awk -v cr="$c_rps" -v ar="$a_rps" -v cp="$c_p99" \
          -v ap="$a_p99" -v cc="$c_cpu" -v ac="$a_cpu" 'BEGIN {
            printf " %9.2f %7.2f %7.2f", cr / ar, cp / ap, (ac > 0 ? cc / ac : 0) }')
      else
        ratios=
      fi
      printf '%-6s %7s %5s %7.0f %13s %7.0f %8.2f %8.2f %6s%s\n' \
        "$side" "$threads" "$conns" "$(median "$runs" 1)" \
        "($(spread "$runs" 1))" "$(median "$runs" 2)" "$(median "$runs" 3)" \
        "$(median "$runs" 4)" "$(total "$runs" 5)" "$ratios"
    done
  done
done
echo
echo "Pair by pair (each corofy run over the Asio run measured next to it):"
printf '%7s %5s %10s %17s %10s %17s %6s\n' threads conns "req/s c/a" \
  "(95% CI)" "p99 c/a" "(95% CI)" "wins"
for threads in $server_threads; do
  for conns in $connections; do
    read -r rm rl rh rw rn < <(paired "${results[corofy,$threads,$conns]}" \
      "${results[asio,$threads,$conns]}" 1)
    read -r pm pl ph _ _ < <(paired "${results[corofy,$threads,$conns]}" \
      "${results[asio,$threads,$conns]}" 2)
    printf '%7s %5s %10s %17s %10s %17s %6s\n' "$threads" "$conns" "$rm" \
      "($rl-$rh)" "$pm" "($pl-$ph)" "$rw/$rn"
  done
done
echo
cat <<EOF
Medians of $repeats runs each; (min-max) of req/s over the runs.
req/s c/a: corofy's req/s over asio's (above 1: corofy serves more).
p99 c/a: corofy's p99 latency over asio's (below 1: corofy answers sooner).
CPU us/r: the server's CPU time (user + system) per request; usr us/r: its
user part; CPU c/a: corofy's CPU us/r over asio's (below 1: corofy spends less).
errors: wrk's socket errors and non-2xx responses, all runs together.
Pair by pair: the median of the per-pair ratios, with a confidence interval
of that median (95% or more; needs 6 pairs or more, --repeats); wins: the
pairs in which corofy served more requests/s. On a noisy machine this says
more than the ratio of the medians: both runs of a pair see the same load.
EOF
for threads in $server_threads; do
  choose_cpus "$threads"
  if [ -n "$server_cpus" ]; then
    echo "threads=$threads: server pinned to CPU $server_cpus, wrk to CPU $wrk_cpus (taskset)."
  else
    echo "threads=$threads: not pinned (server and wrk share the $cpus CPUs)."
  fi
done
