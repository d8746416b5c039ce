#!/usr/bin/env bash
# ACP agents from the npm registry into a project-local folder, with a Node 22 binary from the
# same registry when the machine's Node is older than the agents need (nothing comes from
# elsewhere; NODE22=no leaves it out). Usage: scripts/install-agents.sh FOLDER PACKAGE@VERSION...
set -euo pipefail
folder=$1
shift
packages=("$@")
wanted="${packages[*]}"
if [ "$(cat "$folder/.installed" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 22 ] && [ "${NODE22:-yes}" != no ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch="" ;;
  esac
  if [ -n "$arch" ]; then
    echo "  Node $(node -v 2>/dev/null || echo '(none)') is older than today's agents need: Node 22 comes from the npm registry (node-linux-$arch)"
    packages+=("node-linux-$arch@${NODE22_VERSION:-22.23.3}")
  fi
fi
mkdir -p "$folder"
echo '{"private": true, "description": "ACP agents for jupyter-ai-personas (installed by make)"}' > "$folder/package.json"
echo "  installing into $folder/: ${packages[*]}"
start=$(date +%s)
(cd "$folder" && npm install --no-audit --no-fund --loglevel=error --no-save "${packages[@]}")
echo "  done in $(($(date +%s) - start)) s"
echo "$wanted" > "$folder/.installed"
