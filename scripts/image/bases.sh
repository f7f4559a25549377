#!/usr/bin/env bash
# Makes the two base images the Dockerfile's FROM lines name, where no registry is reachable
# (apps/server/test/package/image.test.ts): Debian bookworm from debootstrap (minbase) with this
# machine's Node and npm in /usr/local and a user `node` (uid 1000), imported into podman's
# storage under the FROM names. The build base also gets build-essential, python3, git and
# ca-certificates, the Node headers (node-gyp cannot download them: npm_config_nodedir) and this
# machine's CA certificates (its egress may present them). Skips an image that already exists.
#   CONTAINERS_CONF=… scripts/image/bases.sh WORKDIR
set -euo pipefail
work=${1:?usage: bases.sh WORKDIR}
mirror=${PUSHBACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work"
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
version=$(node -p 'process.versions.node')

make() { # NAME EXTRA_PACKAGES
  local name=$1 extra=$2 root="$work/$(echo "$1" | tr ':/' '__')"
  if podman image exists "$name"; then echo "[bases] $name exists"; return; fi
  rm -rf "$root"
  echo "[bases] debootstrap for $name"
  debootstrap --variant=minbase ${extra:+--include=$extra} bookworm "$root" "$mirror" > "$root.log" 2>&1 \
    || { tail -20 "$root.log"; exit 1; }
  install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  local changes=(--change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --change "CMD [\"node\"]")
  if [ -n "$extra" ]; then
    mkdir -p "$root/usr/local/include"
    cp -a /usr/include/node "$root/usr/local/include/node"
    for ca in /usr/local/share/ca-certificates/*.crt; do
      [ -e "$ca" ] && cp "$ca" "$root/usr/local/share/ca-certificates/"
    done
    chroot "$root" update-ca-certificates > /dev/null
    changes+=(--change "ENV npm_config_nodedir=/usr/local" --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
  fi
  echo "[bases] importing $name (node $version)"
  tar -C "$root" -c . | podman import "${changes[@]}" - "$name" > /dev/null
  rm -rf "$root"
}

from() { sed -n "s/^FROM \([^ ]*\).*/\1/p" "$(dirname "$0")/../../Dockerfile" | sed -n "$1p"; }
make "docker.io/library/$(from 1)" "build-essential,python3,git,ca-certificates" &
build=$!
make "docker.io/library/$(from 2)" ""
wait $build
