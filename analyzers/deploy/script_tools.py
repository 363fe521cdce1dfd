"""Programs a shell script calls that a slim Debian image does not have, and the package that has them.

A CronJob running ``scripts/backup.sh`` failed with ``curl: command not found``: the official
``python:*-slim`` and ``node:*-slim`` images carry Debian's required set (coreutils, findutils, grep,
sed, tar, gzip, mawk, util-linux, bash, perl-base ...) plus ca-certificates, netbase and tzdata, and
nothing else. Names are bookworm's (the stand-ins' release); :mod:`analyzers.lib.debian_names` maps them
where another release renamed them.
"""

from __future__ import annotations

# program -> Debian package. Only programs missing from the slim images: `tar`, `find`, `gzip`, `awk`
# are there already and must not be listed (an install of them is noise in every Dockerfile).
TOOLS: dict[str, str] = {
    "curl": "curl", "wget": "wget", "rsync": "rsync", "jq": "jq", "yq": "yq",
    "zip": "zip", "unzip": "unzip", "bzip2": "bzip2", "bunzip2": "bzip2", "xz": "xz-utils", "unxz": "xz-utils",
    "zstd": "zstd", "7z": "p7zip-full", "gpg": "gnupg", "gpg2": "gnupg",
    "ssh": "openssh-client", "scp": "openssh-client", "sftp": "openssh-client", "git": "git",
    "psql": "postgresql-client", "pg_dump": "postgresql-client", "pg_dumpall": "postgresql-client",
    "pg_restore": "postgresql-client", "pg_isready": "postgresql-client",
    "mysql": "default-mysql-client", "mysqldump": "default-mysql-client", "mysqladmin": "default-mysql-client",
    "mariadb": "mariadb-client", "mariadb-dump": "mariadb-client",
    "redis-cli": "redis-tools", "sqlite3": "sqlite3",
    "aws": "awscli", "s3cmd": "s3cmd", "rclone": "rclone", "restic": "restic", "borg": "borgbackup",
    "duplicity": "duplicity", "lftp": "lftp", "ftp": "tnftp", "mail": "bsd-mailx", "mailx": "bsd-mailx",
    "nc": "netcat-openbsd", "netcat": "netcat-openbsd", "socat": "socat", "dig": "bind9-dnsutils",
    "nslookup": "bind9-dnsutils", "ping": "iputils-ping", "ip": "iproute2", "netstat": "net-tools",
    "ps": "procps", "pgrep": "procps", "pkill": "procps", "free": "procps", "uptime": "procps",
    "watch": "procps", "lsof": "lsof", "convert": "imagemagick", "identify": "imagemagick",
    "mogrify": "imagemagick", "ffmpeg": "ffmpeg", "ffprobe": "ffmpeg", "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils", "openssl": "openssl", "xmllint": "libxml2-utils", "xsltproc": "xsltproc",
    "envsubst": "gettext-base", "bc": "bc", "file": "file", "gawk": "gawk", "make": "make",
    "htpasswd": "apache2-utils", "logrotate": "logrotate", "less": "less", "ghostscript": "ghostscript",
    "gs": "ghostscript", "wkhtmltopdf": "wkhtmltopdf", "exiftool": "libimage-exiftool-perl",
}
