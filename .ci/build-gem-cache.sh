#!/usr/bin/env bash
# Builds real .gem files for every gem a fixture's Gemfile.lock pins, from Debian bookworm's packaged gems,
# without rubygems.org (not reachable here; Debian's apt repositories are), and leaves them in a docker image
# (default migrate-gem-cache:bookworm, files under /gems) for a test to copy into a copy of the fixture's
# vendor/cache/ before `bundle install --local`.
#
# Route: apt-get source is not served by the mirror here (the .dsc files are, the .orig tarballs 404), so each
# gem is repackaged from the installed Debian package with Gem::Package.build: the gemspec Debian installs
# (name, version, dependencies, executables) plus the gem's installed files (its gem directory, or, for the
# older gem2deb layout, its lib/ and bin/ files from vendor_ruby and /usr/bin). A native gem (puma, nio4r) ships
# no C sources in its binary package, only the extension Debian compiled: that .so is put under the gem's
# require path and the gem declares no extension to build, so `bundle install` needs no compiler, and the
# gem is bound to the Debian bookworm Ruby 3.1 ABI on amd64 (which ruby:3.1-slim here is).
# Every version is checked: the lockfile must pin exactly what bookworm ships, or the build fails.
#
# Usage: .ci/build-gem-cache.sh [GEMFILE_LOCK]   (default: fixtures/ruby/sinatra-puma-status/Gemfile.lock)
# Env:   DOCKER (docker), IMAGE (migrate-gem-cache:bookworm), BASE (debian:bookworm-slim),
#        FORCE=1 rebuilds an image that is up to date. Idempotent: skips when the image exists and was
#        built from the same lockfile and script (label migrate.gem-cache.lock = their sha256).
# Use:   docker run --rm -v "$PWD/vendor/cache:/out" migrate-gem-cache:bookworm sh -c 'cp /gems/*.gem /out/'
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lock=${1:-$here/../fixtures/ruby/sinatra-puma-status/Gemfile.lock}
image=${IMAGE:-migrate-gem-cache:bookworm}
base=${BASE:-debian:bookworm-slim}
docker=${DOCKER:-docker}

log() { printf 'build-gem-cache: %s\n' "$*" >&2; }

[[ -f $lock ]] || { log "no lockfile at $lock"; exit 1; }
sum=$(cat "$lock" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)  # a changed lockfile or script rebuilds
have=$($docker image inspect -f '{{ index .Config.Labels "migrate.gem-cache.lock" }}' "$image" 2>/dev/null || true)
if [[ ${FORCE:-0} != 1 && $have == "$sum" ]]; then
  log "$image is up to date with $lock: skipped"
  exit 0
fi

# The GEM section's specs (four spaces, "name (version)"); GIT and PATH gems cannot come from Debian.
if grep -qE '^(GIT|PATH)$' "$lock"; then
  log "$lock has GIT or PATH gems: only rubygems sources can be rebuilt from Debian"; exit 1
fi
mapfile -t gems < <(awk '/^GEM$/ {g = 1; next} /^[A-Z]/ {g = 0}
  g && /^    [^ ]/ {gsub(/[()]/, ""); print $1 " " $2}' "$lock")
(( ${#gems[@]} > 0 )) || { log "no gems in $lock"; exit 1; }
log "${#gems[@]} gems from $lock -> $image"

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
printf '%s\n' "${gems[@]}" >"$ctx/gems.txt"

# gem name -> the Debian package shipping it: ruby-<name> with _ as -, else the name itself (puma)
cat >"$ctx/packages.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
while read -r name _; do
  for pkg in "ruby-${name//_/-}" "$name"; do
    if [[ -n $(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)') ]]; then
      echo "$pkg"; continue 2
    fi
  done
  echo "no Debian package ships the gem $name" >&2; exit 1
done </build/gems.txt
EOF

cat >"$ctx/repack.rb" <<'EOF'
# Rebuilds each "name version" of gems.txt as name-version.gem from the installed Debian package.
require "fileutils"
require "rubygems/package"
require "tmpdir"

out = ARGV.fetch(0)
FileUtils.mkdir_p(out)
File.readlines(ARGV.fetch(1), chomp: true).each do |line|
  name, version = line.split(" ", 2)
  installed = Gem::Specification.find_all_by_name(name)
  spec = installed.find { |s| s.version.to_s == version } or
    abort "#{name} #{version}: Debian bookworm ships #{installed.map(&:version).join(', ')}; pin that in the lockfile"
  Dir.mktmpdir do |stage|
    if File.directory?(spec.full_gem_path)
      FileUtils.cp_r(File.join(spec.full_gem_path, "."), stage)
    else # the older gem2deb layout: lib/ under vendor_ruby, executables in /usr/bin, the gemspec's file list
      from = { "lib/" => RbConfig::CONFIG["vendordir"] + "/", "#{spec.bindir}/" => "/usr/bin/" }
      spec.files.each do |f|
        prefix = from.keys.find { |k| f.start_with?(k) } or next
        src = f.sub(prefix, from[prefix])
        abort "#{name}: #{src} (#{f} in the gemspec) is not installed" unless File.file?(src)
        FileUtils.mkdir_p(File.join(stage, File.dirname(f)))
        FileUtils.cp(src, File.join(stage, f))
      end
    end
    gem = spec.dup
    unless spec.extensions.empty?
      built = Dir.glob("**/*.so", base: spec.extension_dir)
      abort "#{name}: Debian's package holds no compiled extension" if built.empty?
      built.each do |so|
        dest = File.join(stage, spec.raw_require_paths.first, so) # require_paths leads with extension_dir
        FileUtils.mkdir_p(File.dirname(dest))
        FileUtils.cp(File.join(spec.extension_dir, so), dest)
      end
      gem.extensions = []
    end
    Dir.chdir(stage) do
      gem.files = Dir.glob("**/*", File::FNM_DOTMATCH).select { |f| File.file?(f) }.sort
      gem.executables = gem.executables.select { |e| File.file?(File.join(gem.bindir, e)) }
      gem.metadata = gem.metadata.merge("repackaged_from" => "Debian bookworm")
      file = Gem::Package.build(gem)
      FileUtils.mv(file, File.join(out, file))
      puts "#{file} #{spec.extensions.empty? ? 'pure' : 'with the Debian-built extension'}"
    end
  end
end
EOF

$docker build -t "$image" --label "migrate.gem-cache.lock=$sum" -f - "$ctx" <<EOF
FROM $base AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY gems.txt packages.sh repack.rb /build/
RUN apt-get update -qq \\
 && mapfile -t pkgs < <(bash /build/packages.sh) \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ruby "\${pkgs[@]}" >/dev/null \\
 && ruby /build/repack.rb /gems /build/gems.txt \\
 && dpkg-query -W "\${pkgs[@]}" >/gems/DEBIAN-PACKAGES.txt

FROM $base
COPY --from=build /gems /gems
EOF
log "built $image: $($docker run --rm "$image" sh -c 'ls /gems/*.gem | wc -l') gems"
