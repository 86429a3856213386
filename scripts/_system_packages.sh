# Debian packages the browser tests need (headless Chromium and its driver).
# Installed once, as root, through apt; skipped with a notice where apt is not available.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
((${#need[@]})) || exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "kgraph: ${need[*]} missing and apt-get unavailable; browser tests will be skipped" >&2
  exit 0
fi
echo "kgraph: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "kgraph: could not install ${need[*]}; browser tests will be skipped" >&2
exit 0
