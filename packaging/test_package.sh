#!/bin/bash
# The package test (ctest label package): builds the .deb of the build directory $1 with cpack,
# inspects it with dpkg-deb (control fields, maintainer scripts, file list), runs the binary it
# holds, verifies the unit with systemd-analyze, and, as root, installs it with dpkg -i, checks the
# installed binary, unit, user and environment file, then purges it and removes what the install
# added, so that the machine is left as it was.
#   packaging/test_package.sh build/release
set -euo pipefail

build=$(realpath "$1")
work=$(mktemp -d /tmp/usertasks-package.XXXXXX)
installed_here=no
user_existed=yes

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  if [ "$installed_here" = yes ]; then
    dpkg --purge usertasks >/dev/null 2>&1 || true
    if [ "$user_existed" = no ]; then
      userdel usertasks >/dev/null 2>&1 || true
      groupdel usertasks >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT

expect_line() {  # expect_line FILE REGEX WHAT
  grep -Eq "$2" "$1" || fail "$3: no line matching /$2/ in $(basename "$1"):
$(cat "$1")"
}

version=$("$build/usertasks" --version)
echo "binary: $version"

echo "== cpack"
cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  fail "cpack failed: $(cat "$work/cpack.log")"
debs=("$work"/out/*.deb)
[ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb in $work/out"
deb=${debs[0]}
arch=$(dpkg --print-architecture)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
[ "$(basename "$deb")" = "usertasks_${version#usertasks }_${arch}.deb" ] ||
  fail "unexpected file name $(basename "$deb")"

echo "== dpkg-deb -I"
dpkg-deb -I "$deb" >"$work/info"
control="$work/info"
expect_line "$control" "^ Package: usertasks$" "control"
expect_line "$control" "^ Version: ${version#usertasks }$" "control"
expect_line "$control" "^ Architecture: ${arch}$" "control"
expect_line "$control" "^ Maintainer: .+<.+@.+>$" "control"
expect_line "$control" "^ Section: web$" "control"
expect_line "$control" "^ Description: .+" "control"
# dpkg-shlibdeps found the libraries the binary links; adduser is for postinst.
for dep in adduser libc6 libstdc\\+\\+6 libsqlite3-0 libpq5; do
  expect_line "$control" "^ Depends: .*\\b${dep}\\b" "Depends"
done
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script is missing or not executable"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done
[ "$(cat "$work/control/conffiles")" = "/etc/default/usertasks" ] ||
  fail "conffiles: $(cat "$work/control/conffiles")"

echo "== dpkg-deb -c"
dpkg-deb -c "$deb" >"$work/list"
expect_line "$work/list" "^-rwxr-xr-x root/root .* \\./usr/bin/usertasks$" "file list"
expect_line "$work/list" "^-rw-r--r-- root/root .* \\./lib/systemd/system/usertasks\\.service$" "file list"
expect_line "$work/list" "^-rw-r--r-- root/root .* \\./usr/share/man/man1/usertasks\\.1\\.gz$" "file list"
expect_line "$work/list" "^-rw------- root/root .* \\./etc/default/usertasks$" "file list"
if grep -q "/usr/local/" "$work/list"; then fail "files under /usr/local: $(grep /usr/local/ "$work/list")"; fi

echo "== dpkg-deb -x"
root="$work/root"
dpkg-deb -x "$deb" "$root"
extracted=$("$root/usr/bin/usertasks" --version)
[ "$extracted" = "$version" ] || fail "the packaged binary says '$extracted', not '$version'"
if file "$root/usr/bin/usertasks" 2>/dev/null | grep -q "with debug_info"; then
  fail "the packaged binary is not stripped"
fi
unit="$root/lib/systemd/system/usertasks.service"
expect_line "$unit" "^ExecStart=/usr/bin/usertasks serve --migrate$" "unit"
expect_line "$unit" "^EnvironmentFile=/etc/default/usertasks$" "unit"
expect_line "$unit" "^User=usertasks$" "unit"
expect_line "$unit" "^StateDirectory=usertasks$" "unit"
expect_line "$unit" "^NoNewPrivileges=yes$" "unit"
expect_line "$unit" "^ProtectSystem=strict$" "unit"
expect_line "$root/etc/default/usertasks" "^DATABASE_URL=sqlite:/var/lib/usertasks/usertasks\\.db$" "default"
zcat "$root/usr/share/man/man1/usertasks.1.gz" >"$work/man"
expect_line "$work/man" "^\\.TH USERTASKS 1 " "man page"
expect_line "$work/man" "\\\\-\\\\-api\\\\-token" "man page (serve --help)"
expect_line "$work/man" "upgrade" "man page (db --help)"
if command -v groff >/dev/null; then
  groff -man -ww -z "$work/man" >"$work/groff" 2>&1 || fail "groff: $(cat "$work/groff")"
  [ ! -s "$work/groff" ] || fail "groff warns of the man page: $(cat "$work/groff")"
fi

if command -v systemd-analyze >/dev/null; then
  echo "== systemd-analyze verify"
  # A copy whose paths point into the extracted tree, so that ExecStart is the packaged binary;
  # --man=no: its man page is not installed on this machine.
  mkdir "$work/unit"
  sed -e "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" \
    -e "s|^EnvironmentFile=/etc/|EnvironmentFile=$root/etc/|" "$unit" >"$work/unit/usertasks.service"
  systemd-analyze verify --man=no "$work/unit/usertasks.service" >"$work/verify" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$work/verify")"
  if [ -s "$work/verify" ]; then fail "systemd-analyze verify warned: $(cat "$work/verify")"; fi
else
  echo "(no systemd-analyze: the unit is not verified)"
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "== not root: the package is not installed (dpkg -i needs root)"
  echo "package test passed"
  exit 0
fi
if dpkg-query -W -f='${Status}' usertasks 2>/dev/null | grep -q "installed"; then
  echo "== usertasks is installed on this machine already: not installing over it"
  echo "package test passed"
  exit 0
fi
for path in /usr/bin/usertasks /lib/systemd/system/usertasks.service /etc/default/usertasks; do
  [ ! -e "$path" ] || fail "$path exists and no package owns it: not installing over it"
done

echo "== dpkg -i"
getent passwd usertasks >/dev/null || user_existed=no
installed_here=yes
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i failed: $(cat "$work/dpkg.log")"
[ "$(/usr/bin/usertasks --version)" = "$version" ] || fail "/usr/bin/usertasks --version"
[ -f /lib/systemd/system/usertasks.service ] || fail "no /lib/systemd/system/usertasks.service"
cmp -s /lib/systemd/system/usertasks.service "$unit" || fail "the installed unit differs"
[ "$(stat -c '%a %U' /etc/default/usertasks)" = "600 root" ] || fail "/etc/default/usertasks mode"
getent passwd usertasks >/dev/null || fail "postinst created no user usertasks"
dpkg-query -W -f='${Conffiles}' usertasks | grep -q "/etc/default/usertasks" ||
  fail "dpkg does not list /etc/default/usertasks as a conffile"
# The installed binary does its work: it migrates and lists a database as the user of the unit.
state=$(mktemp -d /tmp/usertasks-package-state.XXXXXX)
chown usertasks: "$state"
runuser -u usertasks -- /usr/bin/usertasks --database "sqlite:$state/t.db" db upgrade >/dev/null ||
  fail "usertasks db upgrade as the user usertasks"
runuser -u usertasks -- /usr/bin/usertasks --database "sqlite:$state/t.db" db current |
  grep -q . || fail "usertasks db current printed nothing"
rm -rf "$state"

echo "== dpkg --purge"
dpkg --purge usertasks >"$work/dpkg.log" 2>&1 || fail "dpkg --purge failed: $(cat "$work/dpkg.log")"
for path in /usr/bin/usertasks /lib/systemd/system/usertasks.service /etc/default/usertasks; do
  [ ! -e "$path" ] || fail "$path is left after purge"
done
installed_here=no
if [ "$user_existed" = no ]; then
  userdel usertasks
  getent group usertasks >/dev/null && groupdel usertasks
fi
echo "package test passed"
