# SPDX-License-Identifier: GPL-3.0-or-later
# Install rules and packaging (cpack -G DEB; scripts/package.sh builds, packs and checks it).
include(GNUInstallDirs)

# The release these sources are. Its date is the one the manual pages, the Debian changelog and
# the AppStream metadata show, not the build's: the same sources make the same package.
set(PARAFETCH_RELEASE_EPOCH 1796644800) # 2026-12-07 12:00 UTC
set(PARAFETCH_DEBIAN_REVISION 1)
set(PARAFETCH_DEBIAN_VERSION ${PROJECT_VERSION}-${PARAFETCH_DEBIAN_REVISION})
set(saved_epoch "$ENV{SOURCE_DATE_EPOCH}")
set(ENV{SOURCE_DATE_EPOCH} ${PARAFETCH_RELEASE_EPOCH}) # what string(TIMESTAMP) formats
string(TIMESTAMP PARAFETCH_RELEASE_DATE "%Y-%m-%d" UTC)
string(TIMESTAMP PARAFETCH_RELEASE_DATE_RFC2822 "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(ENV{SOURCE_DATE_EPOCH} "${saved_epoch}")

# The executable's own rule lives in app/CMakeLists.txt; these make it a desktop citizen: a menu
# entry and an icon that the menu, the task bar and the window list can find by name.
install(FILES ${PROJECT_SOURCE_DIR}/resources/parafetch.desktop
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/parafetch.svg
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

# Written at build time (target parafetch_docs, part of "all"): the manual pages and the shell
# completions by parafetch-docgen from the option table that --help shows, so that they cannot
# drift from it; the Debian changelog and the AppStream metadata from their templates in
# resources/. Debian wants manual pages and changelogs compressed with gzip -9n (no name, no
# time stamp: the same bytes every build).
set(PARAFETCH_SUMMARY "concurrent download monitor with timing statistics")
# Debian policy wants an address beside the name; .invalid, like the project's homepage, until
# there is a real one.
set(PARAFETCH_CONTACT "Parafetch developers <developers@parafetch.invalid>")
set(generated ${PROJECT_BINARY_DIR}/packaging)
find_program(PARAFETCH_GZIP gzip REQUIRED)
# The address sanitizer's leak check reads the test suite's suppressions (Qt's own allocations).
set(docgen ${CMAKE_COMMAND} -E env "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp"
    $<TARGET_FILE:parafetch-docgen>)
set(PARAFETCH_MAN_PAGES ${generated}/parafetch.1 ${generated}/parafetch-window.1)
foreach(program parafetch parafetch-window)
    add_custom_command(OUTPUT ${generated}/${program}.1 ${generated}/${program}.1.gz
        COMMAND ${docgen} man ${program} ${PARAFETCH_RELEASE_DATE} "${PARAFETCH_SUMMARY}"
            ${generated}/${program}.1
        COMMAND ${PARAFETCH_GZIP} -9nkf ${generated}/${program}.1
        DEPENDS parafetch-docgen
        COMMENT "Writing the manual page ${program}(1)"
        VERBATIM)
endforeach()
# bash-completion loads completions/NAME for the command NAME: parafetch-window is a link.
set(PARAFETCH_BASH_COMPLETION ${generated}/bash-completion/parafetch)
file(MAKE_DIRECTORY ${generated}/bash-completion)
file(CREATE_LINK parafetch ${generated}/bash-completion/parafetch-window SYMBOLIC)
add_custom_command(OUTPUT ${PARAFETCH_BASH_COMPLETION} ${generated}/_parafetch
    COMMAND ${docgen} bash ${PARAFETCH_BASH_COMPLETION}
    COMMAND ${docgen} zsh ${generated}/_parafetch
    DEPENDS parafetch-docgen
    COMMENT "Writing the bash and zsh completions"
    VERBATIM)
configure_file(${PROJECT_SOURCE_DIR}/resources/debian/changelog.in ${generated}/changelog.Debian
    @ONLY)
add_custom_command(OUTPUT ${generated}/changelog.Debian.gz
    COMMAND ${PARAFETCH_GZIP} -9nkf ${generated}/changelog.Debian
    DEPENDS ${generated}/changelog.Debian
    VERBATIM)
set(PARAFETCH_METAINFO ${generated}/io.github.parafetch.Parafetch.metainfo.xml)
configure_file(${PROJECT_SOURCE_DIR}/resources/io.github.parafetch.Parafetch.metainfo.xml.in
    ${PARAFETCH_METAINFO} @ONLY)
add_custom_target(parafetch_docs ALL
    DEPENDS ${generated}/parafetch.1.gz ${generated}/parafetch-window.1.gz
            ${PARAFETCH_BASH_COMPLETION} ${generated}/_parafetch ${generated}/changelog.Debian.gz)

install(FILES ${generated}/parafetch.1.gz ${generated}/parafetch-window.1.gz
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PARAFETCH_BASH_COMPLETION} ${generated}/bash-completion/parafetch-window
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${generated}/_parafetch DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${PARAFETCH_METAINFO} DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
# Debian's names, not GNUInstallDirs' DOCDIR (share/doc/Parafetch).
install(FILES ${PROJECT_SOURCE_DIR}/resources/debian/copyright ${generated}/changelog.Debian.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/parafetch)
install(FILES ${PROJECT_SOURCE_DIR}/resources/debian/lintian-overrides
    DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME parafetch)

set(CPACK_PACKAGE_NAME parafetch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${PARAFETCH_DEBIAN_REVISION})
set(CPACK_PACKAGE_VENDOR "Parafetch developers")
set(CPACK_PACKAGE_CONTACT "${PARAFETCH_CONTACT}")
set(CPACK_PACKAGE_HOMEPAGE_URL ${PROJECT_HOMEPAGE_URL})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PARAFETCH_SUMMARY}")
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
