"""Say, in one line each, which system library WeasyPrint is missing and how to install it."""

import ctypes.util
import sys

missing = []
for lib, package in [("pango-1.0", "libpango-1.0-0"), ("pangoft2-1.0", "libpangoft2-1.0-0")]:
    if ctypes.util.find_library(lib) is None:
        missing.append(package)
if missing:
    print(f"Missing system library for PDFs: install it with: sudo apt-get install -y {' '.join(missing)}")
    sys.exit(1)
if ctypes.util.find_library("harfbuzz-subset") is None:
    print("Note: PDFs render about 6x slower without harfbuzz-subset: sudo apt-get install -y libharfbuzz-subset0")
