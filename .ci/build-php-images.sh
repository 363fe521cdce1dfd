#!/usr/bin/env bash
# build-php-images.sh - offline stand-ins for the official php, composer and mariadb images, from Debian's
# packages (no container registry, getcomposer.org or packagist is reachable here; Debian's apt repositories
# are). PHP 8.2 is bookworm's (FROM debian:bookworm-slim, which .ci/build-base-images.sh makes), 8.4 is
# trixie's (FROM debian:trixie-slim, debootstrapped here when missing). Debian has no 8.3.
#
#   php:8.2-cli, php:8.4-cli  <- Debian php<V>-cli (+ curl, mbstring, xml, sqlite3, readline, mysqlnd): the
#                      modules the official image has compiled in; the official layout: /usr/local/bin/php,
#                      php-config, PHP_INI_DIR=/usr/local/etc/php (php.ini-production/-development, conf.d
#                      scanned by every SAPI), docker-php-ext-install/-configure/-enable, docker-php-source
#                      and pecl emulated by installing Debian's php<V>-<ext> packages (.ci/php-stand-in/)
#   php:8.2-apache, php:8.4-apache  <- php:<V>-cli + Debian apache2 + libapache2-mod-php<V> (prefork), set up
#                      as the official apache variant: docker-php.conf, envvars overridable, run/lock/log dirs
#                      mode 1777, logs to stdout/stderr, apache2-foreground, STOPSIGNAL SIGWINCH, WORKDIR
#                      /var/www/html
#   composer:2      <- php:8.4-cli + /usr/bin/composer: trixie's composer 2.8 and bookworm's Symfony polyfills
#                      packed into one self-contained phar (.ci/composer-stand-in/pack.php) that runs on 8.2
#                      and 8.4 without intl, so COPY --from=composer:2 works
#   mariadb:10.11   <- Debian mariadb-server 10.11 + the official entrypoint's MARIADB_*/MYSQL_* contract and
#                      healthcheck.sh (.ci/mariadb-stand-in/)
#
# Usage: .ci/build-php-images.sh [php] [php84] [composer] [mariadb]   (no args = all). Idempotent: a tag this
# script (and its helper files) built is kept unless FORCE=1; one an older version built is rebuilt, and so
# are the images FROM it (php:<V>-apache and composer:2 FROM php:<V>-cli). Env: DOCKER, WORK, BASE
# (debian:bookworm-slim), MIRROR. Cold, everything takes about 4 minutes on 2 cores (apt downloads dominate).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DOCKER=${DOCKER:-docker}
WORK=${WORK:-/tmp/php-images-work}
BASE=${BASE:-debian:bookworm-slim}
export DOCKER_BUILDKIT=0               # legacy builder: works without the buildx plugin
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(php php84 composer mariadb)

log()  { echo "[$(date +%T)] build-php-images: $*" >&2; }
want() { local t; for t in "${TARGETS[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }
# a tag is kept when it was built by this very script and helpers (label migrate.php-stand-in = their sha256)
SUM=$(cat "${BASH_SOURCE[0]}" "$here"/php-stand-in/* "$here"/composer-stand-in/* "$here"/mariadb-stand-in/* | sha256sum | cut -c1-16)
have() {
  [ "${FORCE:-0}" != 1 ] || return 1
  local got; got=$($DOCKER image inspect -f '{{ index .Config.Labels "migrate.php-stand-in" }}' "$1" 2>/dev/null) || return 1
  if [ "$got" = "$SUM" ]; then log "$1 is up to date, kept (FORCE=1 rebuilds)"; return 0; fi
  log "$1 was built by another version of this script: rebuilt"; return 1
}

# docker build of the context directory CTX (Dockerfile inside) -> TAG, then the extra tags
build() { # ctx tag [extra tags...]
  local ctx=$1 tag=$2 t0=$SECONDS logf; shift 2
  logf="$WORK/build-${tag//[:\/]/_}.log"
  log "docker build -> $tag"
  $DOCKER build --label "migrate.php-stand-in=$SUM" -t "$tag" "$ctx" >"$logf" 2>&1 || { tail -40 "$logf" >&2; return 1; }
  local t; for t in "$@"; do $DOCKER tag "$tag" "$t"; done
  log "$tag built in $((SECONDS - t0))s ($(( $($DOCKER image inspect -f '{{.Size}}' "$tag") / 1000000 )) MB)"
}

ctx_dir() { local d="$WORK/ctx-$1"; rm -rf "$d"; mkdir -p "$d"; echo "$d"; }

# The official images' modules (php -m of php:8.2-cli) come from these packages; php8.2-mysql is there for
# mysqlnd only (mysqli and pdo_mysql are docker-php-ext-install'ed, as in the official image). Debian's
# shared modules the official image does not load (calendar, exif, ... opcache) stay disabled until a
# docker-php-ext-install or docker-php-ext-enable asks for them.
PHP_BASE_PKGS="cli curl mbstring xml sqlite3 readline mysql"  # php<V>-<each>
PHP_OFF_MODS="calendar exif ffi gettext shmop sockets sysvmsg sysvsem sysvshm mysqli pdo_mysql opcache xsl"

build_php_cli() { # V suite base
  local v=$1 suite=$2 base=$3 ctx pkgs p; ctx=$(ctx_dir "php-$v-cli")
  pkgs=$(for p in $PHP_BASE_PKGS; do printf 'php%s-%s ' "$v" "$p"; done)
  cp "$here"/php-stand-in/* "$ctx/"
  cat >"$ctx/Dockerfile" <<EOF
FROM $base
# what the official Dockerfile sets; PHPIZE_DEPS is what its Dockerfiles apt-get for pecl builds
ENV PHPIZE_DEPS="autoconf dpkg-dev file g++ gcc libc-dev make pkg-config re2c" \\
    PHP_INI_DIR=/usr/local/etc/php PHP_DEBIAN_VERSION=$v \\
    PHP_INI_SCAN_DIR=:/usr/local/etc/php/conf.d PHPRC=/usr/local/etc/php
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl xz-utils \\
      $pkgs \\
 && rm -rf /var/lib/apt/lists/*
COPY lib.sh /usr/local/lib/docker-php-stand-in/lib.sh
COPY docker-php-ext-enable docker-php-ext-install docker-php-ext-configure docker-php-source pecl php-config docker-php-entrypoint /usr/local/bin/
RUN set -eux; \\
    php -i | sed -n 's/^PHP API => //p' >/usr/local/lib/docker-php-stand-in/api; \\
    mkdir -p /usr/local/lib/docker-php-stand-in/deps "\$PHP_INI_DIR/conf.d" /var/www/html; \\
    ln -s /usr/bin/php$v /usr/local/bin/php; \\
    cp /usr/lib/php/$v/php.ini-production /usr/lib/php/$v/php.ini-development "\$PHP_INI_DIR/"; \\
    . /usr/local/lib/docker-php-stand-in/lib.sh; \\
    echo "$PHP_OFF_MODS" >/usr/local/lib/docker-php-stand-in/off-mods; \\
    sync_so; setup_sapis; debian_disable $PHP_OFF_MODS; \\
    # a php$v-* package apt-get installs directly (a dependency of Debian's composer, say) loads too
    echo 'DPkg::Post-Invoke { "cp -p --update /usr/lib/php/'"\$(cat /usr/local/lib/docker-php-stand-in/api)"'/*.so '"\$EXT_DIR"'/ 2>/dev/null || true"; };' \\
      >/etc/apt/apt.conf.d/docker-php-stand-in; \\
    # sessions go to /tmp as in the official image (Debian's build defaults to /var/lib/php/sessions)
    rm -rf /var/lib/php/sessions; ln -s /tmp /var/lib/php/sessions; \\
    # allow running as an arbitrary user (https://github.com/docker-library/php/issues/743)
    chown www-data:www-data /var/www/html; chmod 1777 /var/www/html; \\
    php --version; php -m >/dev/null; [ -z "\$(php -r 'exit(0);' 2>&1)" ]; \\
    test "\$(php -r 'echo ini_get("extension_dir");')" = "\$(php-config --extension-dir)"
ENTRYPOINT ["docker-php-entrypoint"]
CMD ["php", "-a"]
EOF
  build "$ctx" "php:$v-cli"
  # PHP_VERSION as the official images carry it (the full version of the PHP the tag runs)
  local full; full=$($DOCKER run --rm --entrypoint php "php:$v-cli" -r 'echo PHP_VERSION;')
  [[ $full == "$v".* ]] || { log "php:$v-cli runs PHP $full"; return 1; }
  printf 'FROM php:%s-cli\nENV PHP_VERSION=%s\n' "$v" "$full" | $DOCKER build -q -t "php:$v-cli" - >/dev/null 2>&1
  local t; for t in "php:$v-cli-$suite" "php:$v" "php:$v-$suite" "php:$full-cli"; do $DOCKER tag "php:$v-cli" "$t"; done
}

build_php_apache() { # V suite
  local v=$1 suite=$2 ctx; ctx=$(ctx_dir "php-$v-apache")
  cp "$here"/php-stand-in/apache2-foreground "$ctx/"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM php:@V@-cli
ENV APACHE_CONFDIR=/etc/apache2
ENV APACHE_ENVVARS=$APACHE_CONFDIR/envvars
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends apache2 libapache2-mod-php@V@; \
    rm -rf /var/lib/apt/lists/*; \
    . /usr/local/lib/docker-php-stand-in/lib.sh; \
    setup_sapis; \
    # the apache2 SAPI loads what the CLI does (Debian's postinst enabled its whole registry)
    debian_disable $(cat /usr/local/lib/docker-php-stand-in/off-mods); \
    # the official image's module is "php" (mod_php built with apxs): the same name here
    a2dismod -q php@V@; \
    mv /etc/apache2/mods-available/php@V@.load /etc/apache2/mods-available/php.load; \
    mv /etc/apache2/mods-available/php@V@.conf /etc/apache2/mods-available/php.conf; \
    a2enmod -q php; \
    # generically convert lines like "export APACHE_RUN_USER=www-data" into
    # ": ${APACHE_RUN_USER:=www-data}" + "export APACHE_RUN_USER", so they can be overridden at runtime
    sed -ri 's/^export ([^=]+)=(.*)$/: ${\1:=\2}\nexport \1/' "$APACHE_ENVVARS"; \
    . "$APACHE_ENVVARS"; \
    for dir in "$APACHE_LOCK_DIR" "$APACHE_RUN_DIR" "$APACHE_LOG_DIR" "$APACHE_RUN_DIR/socks"; do \
      rm -rvf "$dir"; mkdir -p "$dir"; chown "$APACHE_RUN_USER:$APACHE_RUN_GROUP" "$dir"; \
      # allow running as an arbitrary user (https://github.com/docker-library/php/issues/743)
      chmod 1777 "$dir"; \
    done; \
    # delete the "index.html" that installing Apache drops in here
    rm -rvf /var/www/html/*; \
    # logs should go to stdout / stderr
    ln -sfT /dev/stderr "$APACHE_LOG_DIR/error.log"; \
    ln -sfT /dev/stdout "$APACHE_LOG_DIR/access.log"; \
    ln -sfT /dev/stdout "$APACHE_LOG_DIR/other_vhosts_access.log"; \
    chown -R --no-dereference "$APACHE_RUN_USER:$APACHE_RUN_GROUP" "$APACHE_LOG_DIR"
# Apache + PHP requires preforking Apache for best results
RUN a2dismod -q mpm_event 2>/dev/null || true; a2enmod -q mpm_prefork
# PHP files should be handled by PHP, and should be preferred over any other file type
RUN { \
      echo '<FilesMatch \.php$>'; \
      echo '\tSetHandler application/x-httpd-php'; \
      echo '</FilesMatch>'; \
      echo; \
      echo 'DirectoryIndex disabled'; \
      echo 'DirectoryIndex index.php index.html'; \
      echo; \
      echo '<Directory /var/www/>'; \
      echo '\tOptions -Indexes'; \
      echo '\tAllowOverride All'; \
      echo '</Directory>'; \
    } | tee "$APACHE_CONFDIR/conf-available/docker-php.conf" \
 && a2enconf -q docker-php \
 && sed -i 's/set -- php "$@"/set -- apache2-foreground "$@"/' /usr/local/bin/docker-php-entrypoint
COPY apache2-foreground /usr/local/bin/
RUN apache2ctl -t 2>&1 | grep -q 'Syntax OK' && apache2ctl -M 2>/dev/null | grep -q 'php_module' \
 && [ -z "$(php -r 'exit(0);' 2>&1)" ]
WORKDIR /var/www/html
# https://httpd.apache.org/docs/2.4/stopping.html#gracefulstop
STOPSIGNAL SIGWINCH
EXPOSE 80
CMD ["apache2-foreground"]
EOF
  sed -i "s/@V@/$v/g" "$ctx/Dockerfile"
  local full; full=$($DOCKER run --rm --entrypoint php "php:$v-cli" -r 'echo PHP_VERSION;')
  build "$ctx" "php:$v-apache" "php:$v-apache-$suite" "php:$full-apache"
}

build_composer() {
  local ctx; ctx=$(ctx_dir composer)
  cp "$here"/composer-stand-in/pack.php "$ctx/"
  cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# the official composer image's entrypoint: arguments that look like composer's run composer
isCommand() {
  [ "$1" = sh ] && return 1
  composer help --no-interaction "$1" >/dev/null 2>&1
}
if [ "${1#-}" != "$1" ]; then
  set -- composer "$@"
elif [ "$1" = composer ]; then
  :
elif isCommand "$1"; then
  set -- composer "$@"
fi
exec "$@"
EOF
  chmod +x "$ctx/docker-entrypoint.sh"
  cat >"$ctx/Dockerfile" <<'EOF'
# trixie's composer (2.8, the line the official composer:2 is on; bookworm's 2.5 fails on PHP 8.4) and
# bookworm's Symfony polyfills (trixie packages none), which getcomposer.org's phar bundles too
FROM php:8.2-cli AS polyfills
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      php-symfony-polyfill-intl-normalizer php-symfony-polyfill-intl-grapheme php-symfony-polyfill-mbstring php-symfony-polyfill-ctype
FROM php:8.4-cli AS pack
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends composer \
 && rm -rf /var/lib/apt/lists/*
COPY --from=polyfills /usr/share/php/Symfony/Polyfill/ /usr/share/php/Symfony/Polyfill/
COPY pack.php /pack.php
RUN mkdir /out && php -d phar.readonly=0 /pack.php /out/composer.phar && /out/composer.phar --version

# the PHP the phar is checked on here; the official composer:2 runs the newest PHP as well
FROM php:8.4-cli
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git unzip zip openssh-client patch \
 && rm -rf /var/lib/apt/lists/*
ENV COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp
COPY --from=pack /out/composer.phar /usr/bin/composer
COPY docker-entrypoint.sh /docker-entrypoint.sh
# the phar stands alone: Debian's /usr/share/php libraries are not in this stage
# (and without intl: an error message is measured with the Normalizer polyfill)
RUN [ ! -e /usr/share/php/Composer ] && ! php -m | grep -qx intl && composer --version \
 && cd /tmp && echo '{}' >composer.json \
 && { composer config --no-interaction no-such-setting 2>&1 || true; } | grep -q 'no-such-setting is not defined' \
 && rm composer.json
WORKDIR /app
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["composer"]
EOF
  build "$ctx" composer:2
  local v; v=$($DOCKER run --rm composer:2 composer --version --no-ansi 2>/dev/null | sed -n 's/^Composer version \([0-9.]*\).*/\1/p')
  [ -n "$v" ] || { log "composer:2 does not answer --version"; return 1; }
  printf 'FROM composer:2\nENV COMPOSER_VERSION=%s\n' "$v" | $DOCKER build -q -t composer:2 - >/dev/null 2>&1
  local t; for t in "composer:${v%.*}" "composer:$v" composer:latest; do $DOCKER tag composer:2 "$t"; done
}

build_mariadb() {
  local ctx; ctx=$(ctx_dir mariadb)
  cp "$here"/mariadb-stand-in/* "$ctx/"
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server tzdata \\
 && rm -rf /var/lib/apt/lists/* /var/lib/mysql \\
 && mkdir -p /var/lib/mysql /run/mysqld /docker-entrypoint-initdb.d \\
 && chown mysql:mysql /var/lib/mysql /run/mysqld \\
 && chmod 1777 /run/mysqld \\
 # every interface, no DNS lookups of clients (as the official image's config)
 && sed -ri 's/^(bind-address|skip-networking)/#&/' /etc/mysql/mariadb.conf.d/*.cnf \\
 && printf '[mariadbd]\nskip-name-resolve\nhost-cache-size=0\n' >/etc/mysql/mariadb.conf.d/05-docker.cnf
COPY docker-entrypoint.sh healthcheck.sh /usr/local/bin/
RUN ln -s usr/local/bin/docker-entrypoint.sh / \\
 && mariadbd --version && mariadb-admin --version
ENV LANG=C.UTF-8
EXPOSE 3306
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]
EOF
  build "$ctx" mariadb:10.11
  local v; v=$($DOCKER run --rm --entrypoint mariadbd mariadb:10.11 --version | sed -n 's/.*Ver \(10\.11\.[0-9]*\)-MariaDB.*/\1/p')
  [ -n "$v" ] || { log "mariadb:10.11 does not run MariaDB 10.11"; return 1; }
  printf 'FROM mariadb:10.11\nENV MARIADB_VERSION=%s\n' "$v" | $DOCKER build -q -t mariadb:10.11 - >/dev/null 2>&1
  local t; for t in "mariadb:$v" mariadb:10 mariadb:lts; do $DOCKER tag mariadb:10.11 "$t"; done
}

# debian:trixie-slim for PHP 8.4 (bookworm has 8.2 only): debootstrap minbase + docker import, with the apt
# settings of the bookworm image .ci/build-base-images.sh makes (copied out of it, sources pointed at trixie)
build_trixie_base() {
  local t0=$SECONDS R=$WORK/rootfs-trixie
  command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; return 1; }
  rm -rf "$R"; mkdir -p "$WORK/debs-trixie"
  log "debootstrap trixie (minbase) -> $R"
  debootstrap --variant=minbase --include=ca-certificates --cache-dir="$WORK/debs-trixie" trixie "$R" "$MIRROR" \
      >"$WORK/debootstrap-trixie.log" 2>&1 || { tail -30 "$WORK/debootstrap-trixie.log" >&2; return 1; }
  rm -f "$R/etc/apt/sources.list"
  $DOCKER run --rm "$BASE" sh -c 'cd /etc && tar -cf - apt/apt.conf.d dpkg/dpkg.cfg.d/docker apt/sources.list.d' \
    | tar -C "$R/etc" -xf -
  sed -i 's/bookworm/trixie/g' "$R/etc/apt/sources.list.d/debian.sources"
  cp -a /usr/local/share/ca-certificates/. "$R/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$R" update-ca-certificates >/dev/null 2>&1 || true
  rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb "$R"/var/log/* "$R"/tmp/* \
         "$R"/usr/share/{man,info,groff,lintian,linda,locale}/*
  : >"$R/etc/hostname"; : >"$R/etc/resolv.conf"
  local env=() e
  while read -r e; do [ -n "$e" ] && env+=(--change "ENV $e"); done \
    < <($DOCKER image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$BASE")
  tar -C "$R" --numeric-owner -c . | $DOCKER import "${env[@]}" --change 'CMD ["bash"]' - debian:trixie-slim >/dev/null
  $DOCKER tag debian:trixie-slim debian:13-slim
  rm -rf "$R"
  log "debian:trixie-slim imported in $((SECONDS - t0))s"
}

MIRROR=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$WORK"
$DOCKER image inspect "$BASE" >/dev/null 2>&1 || { log "$BASE is missing: run .ci/build-base-images.sh debian"; exit 1; }
rebuilt_cli=0
# composer:2 is made FROM php:8.4-cli with a php:8.2-cli stage: it needs both
if want php || want composer; then
  have php:8.2-cli || { build_php_cli 8.2 bookworm "$BASE"; rebuilt_cli=1; }
fi
if want php; then
  [ $rebuilt_cli = 0 ] && have php:8.2-apache || build_php_apache 8.2 bookworm
fi
rebuilt84=0
if want php84 || want composer; then
  $DOCKER image inspect debian:trixie-slim >/dev/null 2>&1 || build_trixie_base
  have php:8.4-cli || { build_php_cli 8.4 trixie debian:trixie-slim; rebuilt84=1; }
fi
if want php84; then
  [ $rebuilt84 = 0 ] && have php:8.4-apache || build_php_apache 8.4 trixie
fi
if want composer; then
  [ $rebuilt_cli = 0 ] && [ $rebuilt84 = 0 ] && have composer:2 || build_composer
fi
want mariadb && ! have mariadb:10.11 && build_mariadb
log "done"
