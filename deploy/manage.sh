#!/bin/sh
# Run a `flask --app webapp` command as the site's user, with the site's
# settings from /etc/webapp/env (readable by root only, hence sudo):
#
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
case $env_file in /*) ;; *) env_file=$PWD/$env_file ;; esac
cd "$app_dir"
# Files the command creates are the site's alone, as under systemd (UMask=0077).
umask 077
flask="$app_dir/.venv/bin/flask"
if [ "$(id -un)" = "$user" ]; then
    set -- "$flask" --app webapp "$@"
else
    set -- setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
        "$flask" --app webapp "$@"
fi
# The settings as systemd reads them (deploy/envfile.py, the one reader of
# the env file): added to the command's environment, the file never run.
exec "$app_dir/.venv/bin/python" -I "$app_dir/deploy/envfile.py" \
    exec manage.sh "$env_file" -- "$@"
