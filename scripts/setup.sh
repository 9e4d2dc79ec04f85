# Shared by scripts/run and scripts/test: installs what Complaint Desk needs on Debian/Ubuntu,
# idempotently (already-installed packages are skipped). Sourced, not executed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/target/tools/bin:$PATH"

say() { printf '\n== %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to install system packages: $*" >&2; return 1; fi
}

# Build: the WebKitGTK stack Tauri 2 links against. Run/test: an X server for headless runs,
# the WebDriver for WebKitGTK, poppler/qpdf to read PDFs back, fonts with Chinese glyphs.
APT_BUILD="libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libxdo-dev libssl-dev build-essential pkg-config file curl"
APT_TEST="xvfb xauth webkit2gtk-driver dbus dbus-x11 at-spi2-core poppler-utils qpdf zbar-tools fonts-noto-cjk imagemagick python3-pip python3-venv cups printer-driver-cups-pdf squashfs-tools shellcheck"

install_system_packages() {
  local want="$APT_BUILD $*" missing=""
  for p in $want; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"; done
  if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then missing="$missing nodejs npm"; fi
  if [ -n "$missing" ]; then
    say "installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq -o DPkg::Lock::Timeout=900
    as_root apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=900 $missing
  fi
  command -v cargo >/dev/null || { echo "cargo (Rust toolchain) is required: https://rustup.rs" >&2; exit 1; }
}

install_ui_dependencies() {
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    say "installing the window's npm packages (ui/package-lock.json)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The app embeds ui/dist and cargo follows those files' times: rebuilding an unchanged window
# would make cargo compile the app crate again, so a dist newer than every source is kept.
build_ui() {
  local dist="$ROOT/ui/dist/index.html"
  if [ -f "$dist" ] && [ -z "$(cd "$ROOT/ui" && find src public index.html package.json package-lock.json vite.config.* tsconfig*.json -newer "$dist" -print -quit 2>/dev/null)" ]; then
    say "the window (ui/dist) is up to date"
    return
  fi
  say "building the window (ui/ → ui/dist)"
  (cd "$ROOT/ui" && npx vue-tsc --noEmit && npx vite build --logLevel warn)
}

# The one release build, used by scripts/run, scripts/package and scripts/test: the app and the
# CLI in one invocation. Cargo builds each crate once per set of features it is asked for, and
# that set is unified over the packages of one invocation, so `-p complaint-desk-app` alone and
# `--bin cdesk` alone built the core and its dependencies twice.
build_release() {
  cargo build --release --locked -p complaint-desk-app -p complaint-desk --bins "$@"
}

# A CUPS printer that prints to PDF files in ~/PDF, standing in for paper in the end-to-end tests.
setup_test_printer() {
  pgrep -x cupsd >/dev/null || as_root /usr/sbin/cupsd
  for _ in $(seq 1 20); do lpstat -r 2>/dev/null | grep -q "is running" && break; sleep 0.5; done
  if ! lpstat -e 2>/dev/null | grep -qx PDF; then
    as_root lpadmin -p PDF -v cups-pdf:/ -E -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null
  fi
  as_root lpadmin -d PDF
}
