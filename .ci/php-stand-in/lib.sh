# Shared by the docker-php-* stand-ins (sourced, not run). The official php images compile PHP under
# /usr/local and build each extension from /usr/src/php/ext; these stand-ins run Debian's php packages
# instead, so "building" an extension is installing its Debian package. Two things keep that faithful:
#   - every extension .so lives in /usr/local/lib/php/extensions/no-debug-non-zts-<api> (extension_dir),
#     copied out of Debian's /usr/lib/php/<api>, so a Dockerfile that purges the packages it installed
#     (the official WordPress pattern: apt-mark auto '.*' ... ldd "$extDir"/*.so ... purge --auto-remove)
#     keeps the extension and, through ldd, the runtime libraries it links;
#   - an extension is enabled the official way, by $PHP_INI_DIR/conf.d/docker-php-ext-<name>.ini, and
#     Debian's own enabling of it (phpenmod symlinks) is undone, so it is loaded once.
set -eu

V=${PHP_DEBIAN_VERSION:?}                      # 8.2: Debian's php<V>-* package names
API=$(cat /usr/local/lib/docker-php-stand-in/api)
DEB_EXT_DIR=/usr/lib/php/$API
EXT_DIR=/usr/local/lib/php/extensions/no-debug-non-zts-$API
STATE=/usr/local/lib/docker-php-stand-in
: "${PHP_INI_DIR:=/usr/local/etc/php}"

err() { echo "error: $*" >&2; }

# Built into Debian's php binary (not shared objects): present in every SAPI, nothing to install.
# pcntl is built into the CLI only (as the official images' docker-php-ext-install pcntl is for CLI use).
BUILTIN="core date filter hash json libxml openssl pcre random reflection session sodium spl standard zlib pcntl"

# extension name (as under the official /usr/src/php/ext) -> the Debian package shipping it
pkg_for() {
  case $1 in
    calendar|ctype|exif|ffi|fileinfo|ftp|gettext|iconv|pdo|phar|posix|shmop|sockets|sysvmsg|sysvsem|sysvshm|tokenizer)
      echo "php$V-common" ;;
    dom|simplexml|xml|xmlreader|xmlwriter|xsl) echo "php$V-xml" ;;
    mysqli|mysqlnd|pdo_mysql) echo "php$V-mysql" ;;
    pgsql|pdo_pgsql) echo "php$V-pgsql" ;;
    sqlite3|pdo_sqlite) echo "php$V-sqlite3" ;;
    odbc|pdo_odbc) echo "php$V-odbc" ;;
    pdo_dblib) echo "php$V-sybase" ;;
    pdo_firebird) echo "php$V-interbase" ;;
    bcmath|bz2|curl|dba|enchant|gd|gmp|imap|intl|ldap|mbstring|opcache|pspell|readline|snmp|soap|tidy|zip)
      echo "php$V-$1" ;;
    *) return 1 ;;
  esac
}

is_builtin() { case " $BUILTIN " in *" $1 "*) return 0 ;; esac; return 1; }

# lowercased names of the modules PHP loads (Zend OPcache answers to opcache)
loaded() { php -m 2>/dev/null | tr 'A-Z' 'a-z' | sed 's/^zend opcache$/opcache/' | grep -qx "$1"; }

apt_install() {
  if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt-get update -qq; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

has_candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -qv '(none)'; }

sapis() { local d; for d in /etc/php/"$V"/*/conf.d; do [ -d "$d" ] && basename "$(dirname "$d")"; done; }

# Debian enables what it installs through /etc/php/<V>/<sapi>/conf.d/NN-<mod>.ini symlinks
debian_enabled() { ls /etc/php/"$V"/cli/conf.d/ 2>/dev/null | sed -n 's/^[0-9]*-\(.*\)\.ini$/\1/p'; }

# copies Debian's extension .so files into extension_dir (new or updated ones)
sync_so() { mkdir -p "$EXT_DIR"; cp -p --update "$DEB_EXT_DIR"/*.so "$EXT_DIR"/; }

# Per SAPI: extension_dir pointed at the /usr/local copies; php.ini read from $PHP_INI_DIR (absent until
# a Dockerfile copies php.ini-production there, so PHP's built-in defaults apply, as in the official image).
setup_sapis() {
  local s
  for s in $(sapis); do
    printf '; docker-php stand-in: extensions load from the official path\nextension_dir = "%s"\n' "$EXT_DIR" \
      >/etc/php/"$V"/"$s"/conf.d/00-docker-php-extension-dir.ini
    rm -f /etc/php/"$V"/"$s"/php.ini
    ln -sfn "$PHP_INI_DIR/php.ini" /etc/php/"$V"/"$s"/php.ini
  done
}

# Undo Debian's enabling of MOD in every SAPI (the docker-php-ext-MOD.ini enables it instead).
debian_disable() { phpdismod -v "$V" -s ALL "$@" >/dev/null 2>&1 || true; }

ini_line() { # mod -> extension=mod | zend_extension=mod
  if grep -qs '^zend_extension' /etc/php/"$V"/mods-available/"$1".ini || grep -qa zend_extension_entry "$EXT_DIR/$1.so"; then
    echo "zend_extension=$1"
  else
    echo "extension=$1"
  fi
}

# Installs PKG; every module it makes Debian enable is taken over (disabled in Debian's conf.d). Those
# of other packages (its dependencies, e.g. igbinary for redis) are recorded, so enabling WANT loads
# them first; PKG's other modules (pdo_pgsql next to pgsql) stay off until asked for. Fails on an apt error.
install_pkg() { # pkg want
  local before after m
  before=$(mktemp); after=$(mktemp)
  debian_enabled | sort >"$before"
  apt_install "$1"
  sync_so
  debian_enabled | sort >"$after"
  : >"$STATE/deps/$2.new"
  for m in $(comm -13 "$before" "$after"); do
    debian_disable "$m"
    [ "$m" = "$2" ] || dpkg-query -L "$1" | grep -q "/$m\.so$" || echo "$m" >>"$STATE/deps/$2.new"
  done
  rm -f "$before" "$after"
  if [ -s "$STATE/deps/$2.new" ]; then mv "$STATE/deps/$2.new" "$STATE/deps/$2"; else rm -f "$STATE/deps/$2.new"; fi
}
