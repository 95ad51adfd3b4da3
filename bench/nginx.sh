# Sourced by bench/run.sh and bench/throughput.sh: a private nginx that answers
# POST /api/<id>/envelope/ with 200 '{}' (request body read and discarded), keep-alive on.
#   bench_nginx_start DIR   → sets BENCH_NGINX_PORT and BENCH_NGINX_PID; config and logs in DIR
#   bench_nginx_stop
#   bench_nginx_check       → fails unless POSTs with bodies get 200 over one kept-alive connection

bench_free_port() {
    php -n -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1), "\n";'
}

bench_nginx_start() {
    local dir=$1
    mkdir -p "$dir"
    BENCH_NGINX_PORT=$(bench_free_port)
    cat >"$dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/json;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
    client_max_body_size 20m;
    client_body_buffer_size 1m;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$BENCH_NGINX_PORT backlog=4096;
        location ~ ^/api/[0-9]+/envelope/\$ {
            if (\$request_method != POST) { return 405; }
            return 200 '{}';
        }
        location / { return 404; }
    }
}
CONF
    nginx -e "$dir/error.log" -p "$dir/" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
    BENCH_NGINX_PID=$!
    local i
    for i in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$BENCH_NGINX_PORT/" 2>/dev/null && return 0
        kill -0 "$BENCH_NGINX_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir/error.log" "$dir/stdout.log" >&2 2>/dev/null
    echo "bench: nginx did not start" >&2
    return 1
}

bench_nginx_stop() {
    if [ -n "${BENCH_NGINX_PID:-}" ]; then
        kill "$BENCH_NGINX_PID" 2>/dev/null || true
        wait "$BENCH_NGINX_PID" 2>/dev/null || true
        BENCH_NGINX_PID=
    fi
}

bench_nginx_check() {
    local url="http://127.0.0.1:$BENCH_NGINX_PORT/api/42/envelope/" body
    body=$(mktemp)
    head -c 3000 /dev/urandom >"$body"
    # Three POSTs with a 3,000-byte body on one curl command: all must be 200, over 1 connection.
    local out
    local fmt='%{http_code} %{num_connects}\n' h='Content-Type: application/x-sentry-envelope'
    out=$(curl -s -H "$h" -H 'Content-Encoding: gzip' --data-binary "@$body" -o /dev/null -w "$fmt" "$url" \
        --next -s -H "$h" --data-binary "@$body" -o /dev/null -w "$fmt" "$url" \
        --next -s -H "$h" --data-binary "@$body" -o /dev/null -w "$fmt" "$url")
    rm -f "$body"
    if [ "$(echo "$out" | tr '\n' ' ')" != "200 1 200 0 200 0 " ]; then
        echo "bench: nginx check failed (want '200 1 / 200 0 / 200 0' = status, new connections): $out" >&2
        return 1
    fi
}
