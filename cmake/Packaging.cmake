# SPDX-License-Identifier: GPL-3.0-or-later
# Install rules and packaging (cpack -G DEB).
include(GNUInstallDirs)

# The executable's own rule lives in app/CMakeLists.txt; these make it a desktop citizen: a menu
# entry and an icon that the menu, the task bar and the window list can find by name.
install(FILES ${PROJECT_SOURCE_DIR}/resources/parafetch.desktop
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/parafetch.svg
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

set(CPACK_PACKAGE_NAME parafetch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Parafetch developers")
# Debian policy wants an address beside the name; .invalid, like the project's homepage, until
# there is a real one.
set(CPACK_PACKAGE_CONTACT "Parafetch developers <developers@parafetch.invalid>")
set(CPACK_PACKAGE_HOMEPAGE_URL ${PROJECT_HOMEPAGE_URL})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "concurrent download monitor with timing statistics")
# Lines of Debian's extended description stay under 80 columns; CPack indents each one.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
    "Parafetch fetches a list of URLs in parallel and shows each one's status,"
    "HTTP code, size, phase times and live progress, with the total wall time"
    "against the serial time and the speedup that concurrency bought. Results"
    "export to CSV, JSON and HAR. The same core runs without a window for"
    "scripts, CI and benchmarks.")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEBIAN_PACKAGE_NAME parafetch)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps (package dpkg-dev) reads the libraries the executable links: Qt Core, Network,
# Gui and Widgets. It cannot see the plugins Qt loads at run time, so those are named here and
# the computed list is appended: the platform plugins (no window without them) and the SVG
# image-format and icon-engine plugins (no icons without them).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6")

include(CPack)
