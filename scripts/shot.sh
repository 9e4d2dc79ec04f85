#!/usr/bin/env bash
# Screenshot of the whole Xvfb screen: scripts/shot.sh OUT.png [DISPLAY]
set -eu
import -display "${2:-:99}" -window root "$1"
