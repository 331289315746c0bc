# shellcheck shell=bash
# TinyIM launcher library: building the services (JVM and native) and their container images.
# Sourced by ./tinyim (functions only, and the image names); see launcher/README.md.

java_major() { # java binary -> major version
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

find_java() {
  local candidates=() c best="" best_v=0 v
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do [[ -x "$c/bin/java" ]] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [[ -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
    v="$(java_major "$c/bin/java")"
    if [[ "$v" =~ ^[0-9]+$ ]] && ((v >= 21)); then
      if [[ "$c" == "${JAVA_HOME:-}" ]]; then best="$c"; best_v=$v; break; fi
      if ((v > best_v)); then best="$c"; best_v=$v; fi
    fi
  done
  [[ -n "$best" ]] || die "no JDK >= 21 found (looked at \$JAVA_HOME and /usr/lib/jvm/*); install one, e.g. 'apt-get install openjdk-21-jdk-headless' where available, and set JAVA_HOME"
  export JAVA_HOME="$best"
  export JAVA_MAJOR="$best_v" # its major version (the bench's AOT cache needs 25)
  export PATH="$JAVA_HOME/bin:$PATH"
}

source_hash() {
  (cd "$ROOT" && find . \( -name target -o -name node_modules -o -name .tinyim -o -name .git \) -prune -o \
      -type f \( -name '*.java' -o -name 'pom.xml' -o -name '*.proto' -o -path '*/src/main/resources/*' \) -print0 \
    | sort -z | xargs -0 sha1sum | sha1sum | cut -d' ' -f1)
}

service_source_hash() { # what the services' executables are built from (no tests, no client)
  (cd "$ROOT" && find pom.xml auth relation chat gateway proto src-shared \( -name target -o -name test \) -prune -o \
      -type f \( -name '*.java' -o -name 'pom.xml' -o -name '*.proto' -o -path '*/src/main/resources/*' \) -print0 \
    | sort -z | xargs -0 sha1sum | sha1sum | cut -d' ' -f1)
}

service_jar() { echo "$ROOT/$1/target/quarkus-app/quarkus-run.jar"; }

build_if_changed() { # one build at a time: several ./tinyim bench processes started at once share the jars
  mkdir -p "$ROOT/.tinyim"
  local lock
  exec {lock}>"$ROOT/.tinyim/build.lock"
  flock "$lock"
  build_unlocked_if_changed
  exec {lock}>&-
}

build_unlocked_if_changed() {
  local stamp="$ROOT/.tinyim/build.stamp" hash
  hash="$(source_hash)"
  local jars_ok=1 s
  for s in auth relation chat gateway; do [[ -f "$(service_jar "$s")" ]] || jars_ok=0; done
  [[ -f "$ROOT/client/target/tinyim-client.jar" ]] || jars_ok=0
  if [[ $jars_ok -eq 1 && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    return 0
  fi
  say "building (mvn install -DskipTests) ..."
  mkdir -p "$ROOT/.tinyim"
  (cd "$ROOT" && mvn -B -q install -DskipTests) || die "build failed"
  echo "$hash" > "$stamp"
}

# ---------------------------------------------------------------- native executables
# The services as GraalVM native executables: with GRAALVM_HOME (a GraalVM or Mandrel distribution) when it is
# set, else with the verification toolchain of ../shared/native-toolchain (TINYIM_NATIVE_TOOLCHAIN), which
# assembles one from Maven Central's GraalVM jars on a JDK 25. Executables built with that toolchain link its
# copies of the JDK's JNI libraries; they are kept next to each executable in SERVICE/target/native-rt.
native_runner() { local f; for f in "$ROOT/$1"/target/*-runner; do [[ -e "$f" ]] && { echo "$f"; return; }; done; }

native_graalvm_home() { # prints the GraalVM home to build with
  if [[ -n "${GRAALVM_HOME:-}" ]]; then echo "$GRAALVM_HOME"; return; fi
  local toolchain="${TINYIM_NATIVE_TOOLCHAIN:-$ROOT/../shared/native-toolchain}"
  [[ -x "$toolchain/setup.sh" ]] || die "no GraalVM: set GRAALVM_HOME to a GraalVM or Mandrel (JDK 25) distribution, or TINYIM_NATIVE_TOOLCHAIN to a native-toolchain folder (looked for $toolchain/setup.sh)"
  [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java || -n "${TEMURIN_HOME:-}" ]] || die "the native toolchain needs Temurin 25 (TEMURIN_HOME)"
  say "assembling the native toolchain ($toolchain/setup.sh)" >&2
  "$toolchain/setup.sh" | tail -n 1
}

build_native_if_changed() {
  local stamp="$ROOT/.tinyim/native.stamp" hash s ok=1
  hash="$(service_source_hash)"
  for s in auth relation chat gateway; do [[ -n "$(native_runner "$s")" && -d "$ROOT/$s/target/native-rt" ]] || ok=0; done
  if [[ $ok -eq 1 && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then return 0; fi
  build_if_changed # the JVM build first: the native one reuses its jars (and up --native still needs the client)
  local home; home="$(native_graalvm_home)" || exit 1
  [[ -x "$home/bin/native-image" ]] || die "$home/bin/native-image not found"
  say "building native executables of auth, relation, chat and gateway with $home (about 5 minutes each here) ..."
  local t0=$SECONDS
  # -am: proto and src-shared from this checkout, not from whatever another checkout installed in ~/.m2
  (cd "$ROOT" && mvn -B -q package -DskipTests -pl auth,relation,chat,gateway -am -Dquarkus.native.enabled=true \
      -Dquarkus.native.graalvm-home="$home" -Dquarkus.native.native-image-xmx="${TINYIM_NATIVE_XMX:-5g}") \
    || die "native build failed"
  for s in auth relation chat gateway; do
    rm -rf "$ROOT/$s/target/native-rt"; mkdir -p "$ROOT/$s/target/native-rt"
    # the toolchain's executables need its lib/svm/rt (a real GraalVM's carry the JDK's libraries inside)
    if [[ -d "$home/lib/svm/rt" ]] && ldd "$(native_runner "$s")" 2>/dev/null | grep -q "$home/lib/svm/rt"; then
      cp -a "$home/lib/svm/rt/." "$ROOT/$s/target/native-rt/"
    fi
  done
  echo "$hash" > "$stamp"
  say "native executables built in $((SECONDS - t0)) s: $(for s in auth relation chat gateway; do printf '%s ' "$(basename "$(native_runner "$s")")"; done)"
}

cmd_build() {
  local native=0
  while (($#)); do
    case "$1" in
      --native) native=1; shift ;;
      *) usage_error "unknown option for build: $1 (try ./tinyim build --help)" ;;
    esac
  done
  find_java
  if ((native)); then build_native_if_changed; else build_if_changed; say "built (target/quarkus-app of each service)"; fi
}

# ---------------------------------------------------------------- container images (podman)
# The base is made here, not pulled: debootstrap --variant=minbase from the mirror apt already uses, imported
# into podman. Settings this machine needs (runc, cgroupfs, ulimits, host network) are in a containers.conf
# under .tinyim, not in the system's.
BASE_IMAGE=local/tinyim-base:bookworm
JRE_IMAGE=local/tinyim-jre:25
project_version() { grep -A1 '<artifactId>tinyim-parent</artifactId>' "$ROOT/pom.xml" | sed -n 's:.*<version>\(.*\)</version>.*:\1:p' | sed 's/-SNAPSHOT//'; }
service_image() { # service jvm|native
  if [[ "$2" == native ]]; then echo "tinyim/$1:$(project_version)-native"; else echo "tinyim/$1:$(project_version)"; fi
}
migrate_image() { echo "tinyim/migrate:$(project_version)"; }

ensure_podman() {
  local missing=() p
  for p in podman runc slirp4netns uidmap fuse-overlayfs catatonit containernetworking-plugins debootstrap podman-compose; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing system packages: ${missing[*]}"
    local sudo=""; [[ $EUID -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  mkdir -p "$ROOT/.tinyim/containers"
  cat > "$ROOT/.tinyim/containers/containers.conf" <<'CONF'
# written by ./tinyim: what podman needs on this kind of machine (crun fails on its hybrid cgroup layout;
# higher open-file limits are refused)
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_CONF="$ROOT/.tinyim/containers/containers.conf"
}

image_exists() { podman image exists "$1" 2>/dev/null; }
image_label() { podman image inspect --format "{{ index .Labels \"$2\" }}" "$1" 2>/dev/null || true; }

apt_mirror() { # the Debian mirror this machine's apt uses (never written into the repository)
  local m
  m="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1)"
  [[ -n "$m" ]] || m="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1)"
  [[ -n "$m" ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"
  echo "$m"
}

ensure_base_image() {
  image_exists "$BASE_IMAGE" && return 0
  local dir="$ROOT/.tinyim/containers/rootfs" mirror; mirror="$(apt_mirror)"
  say "making the base image $BASE_IMAGE (debootstrap --variant=minbase bookworm from $mirror, about 2 minutes)"
  rm -rf "$dir"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" > "$ROOT/.tinyim/containers/debootstrap.log" 2>&1 \
    || { tail -n 20 "$ROOT/.tinyim/containers/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null || die "podman import failed"
  rm -rf "$dir"
}

JRE_MODULES=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.instrument,jdk.unsupported,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.zipfs,jdk.charsets,jdk.jcmd,jdk.attach
ensure_jre_image() { # a Java runtime for the JVM images: jlink of the JDK the launcher found
  local v; v="$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1) $JRE_MODULES"
  if image_exists "$JRE_IMAGE" && [[ "$(image_label "$JRE_IMAGE" tinyim.jdk)" == "$v" ]]; then return 0; fi
  local ctx="$ROOT/.tinyim/containers/jre-context"
  say "making $JRE_IMAGE (jlink of $JAVA_HOME)"
  rm -rf "$ctx"; mkdir -p "$ctx"
  "$JAVA_HOME/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$ctx/jre" >/dev/null || die "jlink failed"
  podman build -q --network=host -f "$ROOT/k8s/images/Dockerfile.jre" --build-arg BASE="$BASE_IMAGE" \
    --label tinyim.jdk="$v" -t "$JRE_IMAGE" "$ctx" >/dev/null || die "building $JRE_IMAGE failed"
  rm -rf "$ctx"
}

build_image() { # image dockerfile hash [build args...]
  local image="$1" file="$2" hash="$3"; shift 3
  if image_exists "$image" && [[ "$(image_label "$image" tinyim.source)" == "$hash" ]]; then return 0; fi
  local t0=$SECONDS
  podman build -q --network=host -f "$ROOT/k8s/images/$file" --label tinyim.source="$hash" "$@" -t "$image" "$ROOT" >/dev/null \
    || die "building $image failed"
  say "built $image ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}'), $((SECONDS - t0)) s)"
}

images_for() { # jvm|native : the four service images and the migration image, rebuilt when the sources changed
  local flavour="$1" hash s
  ensure_podman
  ensure_base_image
  hash="$(service_source_hash)"
  local base_id; base_id="$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")"
  if [[ "$flavour" == native ]]; then
    build_native_if_changed
    for s in auth relation chat gateway; do
      build_image "$(service_image "$s" native)" Dockerfile.native "$hash/$base_id" --build-arg BASE="$BASE_IMAGE" --build-arg SERVICE="$s"
    done
  else
    build_if_changed
    ensure_jre_image
    local jre_id; jre_id="$(podman image inspect --format '{{.Id}}' "$JRE_IMAGE")"
    for s in auth relation chat gateway; do
      build_image "$(service_image "$s" jvm)" Dockerfile.jvm "$hash/$jre_id" --build-arg BASE="$JRE_IMAGE" --build-arg SERVICE="$s"
    done
  fi
  build_image "$(migrate_image)" Dockerfile.migrate \
    "$(cd "$ROOT" && cat db/migrate.sh db/migrations/*.sql k8s/images/Dockerfile.migrate | sha1sum | cut -d' ' -f1)/$base_id" \
    --build-arg BASE="$BASE_IMAGE"
}

cmd_images() {
  local flavours=(jvm native)
  case "${1:-}" in
    "") ;;
    --jvm) flavours=(jvm) ;;
    --native) flavours=(native) ;;
    *) usage_error "unknown option for images: $1 (try ./tinyim images --help)" ;;
  esac
  find_java
  local f
  for f in "${flavours[@]}"; do images_for "$f"; done
  podman images --filter reference='tinyim/*' --filter reference='local/tinyim-*' \
    --format '  {{.Repository}}:{{.Tag}}  {{.Size}}  {{.CreatedSince}}'
}
