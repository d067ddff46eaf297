#!/usr/bin/env bash
# Reproduces the testssl.sh JSON captures in internal/rating/testdata/.
#
# For each configuration it starts a real nginx in the foreground (temporary prefix, loopback
# port), scans it with Debian's testssl (3.0.8) and writes <name>.json.gz next to this
# script's output dir. A throwaway test CA (root -> intermediate -> RSA 2048 leaf for
# www.certportal.test) is made with the openssl CLI; testssl trusts it through --add-ca.
#
# Usage: scripts/capture-testssl.sh [OUTDIR] [CONFIG...]
#   OUTDIR  defaults to internal/rating/testdata
#   CONFIG  any of: modern intermediate old tls10only nointermediate (default: all)
# At most two scans run at once (the machine is small and shared).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/internal/rating/testdata}
shift || true
configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(modern intermediate old tls10only nointermediate)
host=www.certportal.test
work=$(mktemp -d /tmp/capture-testssl.XXXXXX)
mkdir -p "$out"
echo "work dir: $work" >&2

# --- test PKI ---------------------------------------------------------------
pki=$work/pki
mkdir -p "$pki"
(
	cd "$pki"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rootca.key -out rootca.pem -days 3650 \
		-subj "/CN=Certportal Test Root CA" \
		-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
		-subj "/CN=Certportal Test Intermediate CA" 2>/dev/null
	printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >inter.ext
	openssl x509 -req -in inter.csr -CA rootca.pem -CAkey rootca.key -CAcreateserial -days 3650 \
		-sha256 -extfile inter.ext -out inter.pem 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=$host" 2>/dev/null
	printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\n' "$host" >leaf.ext
	openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 180 \
		-sha256 -extfile leaf.ext -out leaf.pem 2>/dev/null
	cat leaf.pem inter.pem >fullchain.pem
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem 2>/dev/null
)

# --- nginx TLS blocks (Mozilla ssl-config-generator 5.7 for nginx 1.22, OpenSSL 3.0) ------
intermediate_ciphers='ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305'
# Mozilla "old" also lists DES-CBC3-SHA; Debian's OpenSSL 3.0 refuses it ("no cipher match"),
# so it is left out here and noted in the README.
old_ciphers="$intermediate_ciphers:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:@SECLEVEL=0"

# cert_block is where nginx finds the certificate and key: the full chain, or
# for nointermediate the leaf alone, without its chain.
cert_block() {
	local chain=$pki/fullchain.pem
	[ "$1" = nointermediate ] && chain=$pki/leaf.pem
	printf 'ssl_certificate %s;\nssl_certificate_key %s;\n' "$chain" "$pki/leaf.key"
}

tls_block() {
	case $1 in
	modern)
		cat <<EOF
ssl_protocols TLSv1.3;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_prefer_server_ciphers off;
add_header Strict-Transport-Security "max-age=63072000" always;
EOF
		;;
	intermediate)
		cat <<EOF
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_ciphers $intermediate_ciphers;
ssl_prefer_server_ciphers off;
ssl_dhparam $pki/ffdhe2048.pem;
EOF
		;;
	old)
		cat <<EOF
ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_ciphers $old_ciphers;
ssl_prefer_server_ciphers on;
ssl_dhparam $pki/ffdhe2048.pem;
add_header Strict-Transport-Security "max-age=63072000" always;
EOF
		;;
	tls10only)
		cat <<EOF
ssl_protocols TLSv1;
ssl_ciphers HIGH:!aNULL:!MD5:@SECLEVEL=0;
ssl_prefer_server_ciphers on;
EOF
		;;
	nointermediate)
		tls_block intermediate
		;;
	*)
		echo "unknown config $1" >&2
		return 1
		;;
	esac
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

capture() {
	local name=$1 dir=$work/$1 port
	port=$(free_port)
	mkdir -p "$dir/logs"
	{
		echo "daemon off;"
		echo "master_process off;"
		echo "worker_processes 1;"
		echo "error_log $dir/logs/error.log;"
		echo "pid $dir/nginx.pid;"
		echo "events { worker_connections 256; }"
		echo "http {"
		echo "  access_log off;"
		echo "  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;"
		echo "  server {"
		echo "    listen 127.0.0.1:$port ssl;"
		echo "    server_name $host;"
		{ cert_block "$name" && tls_block "$name"; } | sed 's/^/    /'
		echo "    location / { return 200 \"ok\\n\"; }"
		echo "  }"
		echo "}"
	} >"$dir/nginx.conf"
	# OPENSSL_CONF=/dev/null: Debian's openssl.cnf must not raise the minimum protocol or
	# security level behind nginx's back (TLS 1.0/1.1 need @SECLEVEL=0 on OpenSSL 3.0).
	OPENSSL_CONF=/dev/null /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" &
	local nginx_pid=$!
	sleep 1
	echo "[$name] nginx pid $nginx_pid on 127.0.0.1:$port" >&2
	rm -f "$dir/out.json"
	testssl --quiet --color 0 --warnings off --nodns none --openssl-timeout 10 --connect-timeout 10 \
		--add-ca "$pki/rootca.pem" --ip 127.0.0.1 --jsonfile "$dir/out.json" \
		-p -s -E -S -P -f -U -h "https://$host:$port" >"$dir/testssl.log" 2>&1 || true
	kill "$nginx_pid" 2>/dev/null || true
	wait "$nginx_pid" 2>/dev/null || true
	cp "$dir/nginx.conf" "$out/$name.nginx.conf"
	# Paths and ports differ per run; keep them readable but stable in the stored copy.
	sed -e "s#$dir#/tmp/capture/$name#g" -e "s#$pki#/tmp/capture/pki#g" -i "$out/$name.nginx.conf"
	gzip -9 -c "$dir/out.json" >"$out/$name.json.gz"
	echo "[$name] done: $out/$name.json.gz" >&2
}

running=0
for c in "${configs[@]}"; do
	capture "$c" &
	running=$((running + 1))
	if [ $running -ge 2 ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
