# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by run.sh and test.sh: install what is missing on Debian 12, then configure and build.
# Sourced, not run.

# Debian packages the build and the test suite need.
PARAFETCH_PACKAGES=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools libgl-dev libssl-dev
    zlib1g-dev # gzip and deflate bodies: the scripted test server builds them
    libqt6svg6 fonts-dejavu-core dpkg-dev # SVG icons, a font offscreen, cpack shlibdeps
    nghttp2-server # nghttpd: the HTTP/2 server (TLS and h2c) of tst_https, tst_http2, tst_protocols
    nginx # h2 or HTTP/1.1 over TLS, logging what it saw: tst_http2, tst_protocols (own config and port)
    tinyproxy microsocks # an HTTP and a SOCKS5 proxy, logging what went through them: tst_proxy
    parallel # GNU parallel: tst_journal runs the README's shard recipe through it
    groff-base appstream # tests/packaging: the manual pages render cleanly, the AppStream metadata validates
    xvfb openbox xdotool xclip imagemagick x11-utils # tests/scenario/realwindow and scripts/screenshots.sh:
    # the real window on a virtual screen with a window manager, keys, clipboard, screen grabs
)

parafetch_install_missing() {
    local missing=()
    local package
    for package in "${PARAFETCH_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    echo "Installing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "error: missing packages (${missing[*]}) and not root; install them and retry" >&2
            return 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# parafetch_build PRESET: configure and build into build/PRESET.
parafetch_build() {
    local preset=$1
    cmake --preset "$preset"
    cmake --build --preset "$preset" --parallel "$(nproc)"
}
