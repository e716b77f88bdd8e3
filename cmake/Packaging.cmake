# Install rules and packaging (cpack -G DEB).
