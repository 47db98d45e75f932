# Shared by deploy/run.sh and tests/run.sh: install what is missing, build.
# Sourced, not run.

# Installs the Debian packages that are not installed yet (quiet when all are).
weft_apt_install() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "==> installing ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What weftd needs to build and run.
WEFT_BUILD_PACKAGES=(build-essential cmake pkg-config ca-certificates
	libwebsockets-dev libwebsockets-evlib-ev libev-dev libsqlite3-dev libssl-dev libcjson-dev
	libargon2-dev tzdata) # tzdata: the zones of standup schedules (server/tz.c reads its TZif files)

weft_build() { # weft_build BUILD_DIR [cmake args...]
	local dir="$1"
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)"
}
