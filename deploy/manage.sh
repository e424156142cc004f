#!/bin/sh
# Run a `flask --app webapp` command as the site's user, with the site's
# settings from /etc/webapp/env (readable by root only, hence sudo):
#
#   sudo /srv/webapp/deploy/manage.sh set-password
#   sudo /srv/webapp/deploy/manage.sh stats --days 7
#   sudo /srv/webapp/deploy/manage.sh check
#
# Running owner commands as root instead would leave root-owned files next to
# data.db that the site could then not write.
set -eu

env_file=${WEBAPP_ENV_FILE:-/etc/webapp/env}
user=${WEBAPP_USER:-webapp}
app_dir=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -r "$env_file" ]; then
    echo "manage.sh: cannot read $env_file (run with sudo?)" >&2
    exit 1
fi
# The env file is systemd's format; values with spaces need double quotes.
set -a
. "$env_file"
set +a
cd "$app_dir"
# Files the command creates are the site's alone, as under systemd (UMask=0077).
umask 077
flask="$app_dir/.venv/bin/flask"
if [ "$(id -un)" = "$user" ]; then
    exec "$flask" --app webapp "$@"
fi
exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
    "$flask" --app webapp "$@"
