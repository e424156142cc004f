#!/bin/sh
# Back up the site's database into FOLDER as data-YYYY-MM-DD-HHMMSS.db (UTC)
# and keep only the newest KEEP copies. Run nightly by webapp-backup.service.
#
#   deploy/backup.sh [FOLDER [KEEP]]
#
# FOLDER defaults to WEBAPP_BACKUP_DIR, else /var/lib/webapp/backups; KEEP to
# WEBAPP_BACKUP_KEEP, else 14 (both set in /etc/webapp/env).
#
# Needs the site's settings in the environment (FLASK_DATABASE...), as the
# systemd unit provides. The copy is made by `flask --app webapp backup`,
# which is safe while the site is serving, checks the copy's integrity and
# never leaves a half-written file; if it fails, this script fails (and the
# journal says why) without deleting any older copy.
set -eu

folder=${1:-${WEBAPP_BACKUP_DIR:-/var/lib/webapp/backups}}
keep=${2:-${WEBAPP_BACKUP_KEEP:-14}}
case $keep in
    '' | *[!0-9]* | 0) echo "backup.sh: KEEP must be a whole number of at least 1" >&2; exit 2 ;;
esac
app_dir=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$folder"
"$app_dir/.venv/bin/flask" --app webapp backup "$folder/data-$(date -u +%Y-%m-%d-%H%M%S).db"

# The names sort by date, so all but the last KEEP are the oldest.
find "$folder" -maxdepth 1 -type f -name 'data-*.db' | sort | head -n "-$keep" |
    while read -r old; do
        rm -f -- "$old"
        echo "backup.sh: removed the old copy $old"
    done
