#!/bin/sh
# Put a backup in place as the site's database.
#
#   sudo systemctl stop webapp
#   sudo runuser -u webapp -- /srv/webapp/deploy/restore.sh \
#       /var/lib/webapp/backups/data-2025-03-18-033012.db /var/lib/webapp/data.db
#   sudo systemctl start webapp
#
# The backup is checked first (and any difference from what the site makes
# is reported); the current database (with its -wal and -shm
# files) is kept beside it as data.db.before-restore-<time>, so a restore can
# itself be undone. Stop the site first: a database must not be replaced
# under a running app.
set -eu

backup=${1:?usage: restore.sh BACKUP DATABASE}
database=${2:?usage: restore.sh BACKUP DATABASE}
app_dir=$(cd "$(dirname "$0")/.." && pwd)
venv=$app_dir/.venv

result=$("$venv/bin/python" - "$backup" <<'PY'
import sqlite3, sys
try:
    conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    print(conn.execute("PRAGMA integrity_check").fetchone()[0])
    conn.close()
except sqlite3.Error as error:
    print(error)
PY
)
if [ "$result" != "ok" ]; then
    echo "restore.sh: $backup is not a usable database ($result); nothing changed" >&2
    exit 1
fi

# A copy that differs from what this site makes (a trigger or view added by
# hand, another owner password) is still restored, but never silently.
FLASK_DATABASE=$database "$venv/bin/flask" --app webapp restore-check "$backup" |
    sed 's/^/restore.sh: /' >&2

stamp=$(date -u +%Y-%m-%d-%H%M%S)
for suffix in "" -wal -shm; do
    if [ -e "$database$suffix" ]; then
        mv "$database$suffix" "$database.before-restore-$stamp$suffix"
        echo "restore.sh: kept the old $database$suffix as $database.before-restore-$stamp$suffix"
    fi
done
# Copy to a temporary name, then rename: the database appears whole or not at all.
cp "$backup" "$database.restoring"
mv "$database.restoring" "$database"
echo "restore.sh: restored $backup to $database"
