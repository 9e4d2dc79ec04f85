#!/usr/bin/env bash
# Builds Complaint Desk's AppImage from its .deb, offline, on Debian/Ubuntu:
#
#   scripts/appimage/build.sh target/release/bundle/deb/X.deb target/release/bundle/appimage/X.AppImage
#
# Tauri's own AppImage bundler downloads linuxdeploy, its GTK plugin and the AppImage runtime
# from GitHub at bundle time, which the machines that build and test Complaint Desk cannot reach
# (the release workflow on GitHub uses Tauri's bundler). This does the same job with what the
# Debian archive and crates.io provide:
#   1. the AppDir: the files of the .deb (program, menu entry, icons, licences), WebKitGTK's helper
#      processes, and every shared library they need except the base libraries every Linux
#      desktop has (glibc, the C++ runtime, GL/DRM, X11/xcb, fontconfig/freetype/harfbuzz);
#   2. WebKitGTK looks for its helper processes at a path compiled into it; in the bundled copy
#      "/usr" becomes "././" (same length), which AppRun makes point into the AppDir by starting
#      the program from "$APPDIR/usr" (what Tauri's AppImages do too);
#   3. the image: mksquashfs (Debian's squashfs-tools), appended to our runtime
#      (scripts/appimage/runtime, Rust, built here from crates.io) whose ELF header carries the
#      AppImage type-2 mark. That runtime extracts the image once into the user's cache instead of
#      mounting it with FUSE (like the official runtime's --appimage-extract-and-run).
set -euo pipefail

deb=$(readlink -f "$1")
out=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
main_bin=complaint-desk

say() { printf '   %s\n' "$*"; }

# --- the runtime ------------------------------------------------------------------------------
cargo build --release --locked --quiet --manifest-path "$here/runtime/Cargo.toml" --target-dir "$root/target/appimage-runtime"
runtime="$root/target/appimage-runtime/release/cdesk-appimage-runtime"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
appdir="$work/AppDir"

# --- 1. the AppDir ----------------------------------------------------------------------------
dpkg-deb -x "$deb" "$appdir"
strip --strip-debug "$appdir/usr/bin/$main_bin"

wk_src="/usr/lib/$multiarch/webkit2gtk-4.1"
wk_dst="$appdir/usr/lib/$multiarch/webkit2gtk-4.1"
mkdir -p "$wk_dst/injected-bundle"
cp "$wk_src/WebKitNetworkProcess" "$wk_src/WebKitWebProcess" "$wk_dst/"
cp "$wk_src/injected-bundle/libwebkit2gtkinjectedbundle.so" "$wk_dst/injected-bundle/"

# Image loaders for GTK's icons, with a cache whose paths are relative to "$APPDIR/usr".
pixbuf_rel=$(pkg-config --variable=gdk_pixbuf_moduledir gdk-pixbuf-2.0 | sed 's|^/usr/||')
mkdir -p "$appdir/usr/$pixbuf_rel"
cp /usr/"$pixbuf_rel"/*.so "$appdir/usr/$pixbuf_rel/"
"$(pkg-config --variable=gdk_pixbuf_query_loaders gdk-pixbuf-2.0)" "$appdir/usr/$pixbuf_rel"/*.so \
  | sed "s|\"$appdir/usr/|\"|" > "$appdir/usr/$pixbuf_rel/../loaders.cache"

# The compiled GSettings schemas (GTK's file chooser needs its own) and an empty GIO module
# folder, so that the host's GIO modules, built against another GLib, are not loaded.
mkdir -p "$appdir/usr/share/glib-2.0/schemas" "$appdir/usr/lib/gio/modules"
cp /usr/share/glib-2.0/schemas/gschemas.compiled "$appdir/usr/share/glib-2.0/schemas/"

# Shared libraries: the closure of what every ELF file in the AppDir needs, into usr/lib.
exclude='^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl|libmvec|libBrokenLocale|libgcc_s|libstdc\+\+|libGL|libEGL|libGLX|libGLdispatch|libOpenGL|libGLES.*|libdrm|libgbm|libglapi|libvulkan|libwayland-.*|libX11|libX11-xcb|libxcb.*|libXau|libXdmcp|libfontconfig|libfreetype|libharfbuzz|libasound|libexpat)\.so'
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
declare -A seen=()
queue=()
while IFS= read -r -d '' f; do is_elf "$f" && queue+=("$f"); done < <(find "$appdir" -type f -print0)
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  while read -r name path; do
    [ -n "$path" ] && [ -f "$path" ] || continue
    [[ $name =~ $exclude ]] && continue
    [ -n "${seen[$name]:-}" ] && continue
    seen[$name]=1
    if [ ! -e "$appdir/usr/lib/$name" ]; then
      cp -L "$path" "$appdir/usr/lib/$name"
      queue+=("$appdir/usr/lib/$name")
    fi
  done < <(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
done
say "bundled ${#seen[@]} shared libraries"

# --- 2. WebKitGTK's helper processes, found relative to "$APPDIR/usr" ---------------------------
webkit_lib="$appdir/usr/lib/libwebkit2gtk-4.1.so.0"
grep -q "/usr/lib/$multiarch/webkit2gtk-4.1" "$webkit_lib" || { echo "WebKitGTK's helper path not found in $webkit_lib" >&2; exit 1; }
sed -i "s|/usr/lib/$multiarch/webkit2gtk-4.1|././/lib/$multiarch/webkit2gtk-4.1|g" "$webkit_lib"

cat > "$appdir/AppRun" <<EOF
#!/bin/sh
# Starts Complaint Desk from its AppImage (see scripts/appimage/build.sh in its source).
HERE="\$(dirname "\$(readlink -f "\$0")")"
APPDIR="\${APPDIR:-\$HERE}"
export APPDIR
export LD_LIBRARY_PATH="\$APPDIR/usr/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export XDG_DATA_DIRS="\$APPDIR/usr/share:\${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
export GSETTINGS_SCHEMA_DIR="\$APPDIR/usr/share/glib-2.0/schemas"
export GDK_PIXBUF_MODULE_FILE="\$APPDIR/usr/$pixbuf_rel/../loaders.cache"
export GIO_MODULE_DIR="\$APPDIR/usr/lib/gio/modules"
# WebKitGTK's helper processes are found from here (its "/usr" was made "././").
cd "\$APPDIR/usr" || exit 1
exec "\$APPDIR/usr/bin/$main_bin" "\$@"
EOF
chmod 755 "$appdir/AppRun"

desktop=$(find "$appdir/usr/share/applications" -name '*.desktop' | head -1)
icon_name=$(sed -n 's/^Icon=//p' "$desktop")
cp "$desktop" "$appdir/"
icon=$(find "$appdir/usr/share/icons" -name "$icon_name.png" -path '*256x256*' | head -1)
[ -n "$icon" ] || icon=$(find "$appdir/usr/share/icons" -name "$icon_name.png" | sort | tail -1)
cp "$icon" "$appdir/$icon_name.png"
ln -s "$icon_name.png" "$appdir/.DirIcon"

# --- 3. the image -----------------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
mksquashfs "$appdir" "$work/image.squashfs" -root-owned -noappend -comp gzip -b 1M -quiet -no-progress
cp "$runtime" "$out.partial"
printf 'AI\002' | dd of="$out.partial" bs=1 seek=8 conv=notrunc status=none
cat "$work/image.squashfs" >> "$out.partial"
chmod 755 "$out.partial"
mv "$out.partial" "$out"
say "$(du -h "$out" | cut -f1) $out (AppDir $(du -sh "$appdir" | cut -f1), $arch)"
