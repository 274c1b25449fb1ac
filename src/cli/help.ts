export const HELP = `fuel-image: build target OS images for Fuel's image based provisioning.

Usage:
  fuel-image [build] <spec> [options]
  fuel-image verify [--boot] <output dir | metadata file>
  fuel-image gc [--all] [--dry-run] [OUTPUT_DIR...]
  fuel-image helper build | save FILE | load FILE [--base-image IMAGE]
  fuel-image cache ls | prune [--all] [--cache-max SIZE]
  fuel-image serve DIR [--listen 127.0.0.1:8080] [--prefix /targetimages/]
  fuel-image --example [--mirror URI] [options]
  fuel-image example [--mirror URI] > spec.json
  fuel-image mirror
  fuel-image --help | --version

<spec> is the JSON document Fuel sends: the JSON text itself (as Astute
passes it), a path to a JSON file, or "-" to read it from stdin.

  fuel-image '{"codename": "bookworm", "output": "/srv/images",
    "repos": [{"name": "debian", "uri": "http://mirror.local/debian",
               "suite": "bookworm", "section": "main", "priority": null}],
    "image_data": {
      "/":     {"uri": "http://master:8080/env_1.img.gz", "format": "ext4", "container": "gzip"},
      "/boot": {"uri": "http://master:8080/env_1-boot.img.gz", "format": "ext2", "container": "gzip"}},
    "packages": ["linux-image-amd64", "grub-pc", "systemd-sysv", "openssh-server", "ifupdown"]}'

For each image_data entry it writes <output>/<basename of uri>: a gzip (or
raw) ext2/3/4 filesystem holding that mount point's files. Then it writes
<output>/<root image name up to its first ".">.yaml, the metadata Fuel's
node agent reads (md5 and size of each raw and compressed image).

Everything runs in a helper container on a Docker engine (DOCKER_HOST, or
/var/run/docker.sock); the host needs no debootstrap or e2fsprogs, and no
loop device is used. The helper image is built on first use from a local
base image: create it once with "npm run base" (no registry needed).

Engine (as the docker CLI reads it; nothing is bind-mounted, so a remote
engine builds alike; its images, key secret and helpers are its own: keep
one output directory on one engine, one engine per build host):
  DOCKER_HOST            unix:///path, tcp://host:port, ssh://user@host:port
  DOCKER_TLS_VERIFY      set (non-empty): TLS for tcp://, the engine verified
  DOCKER_CERT_PATH       ca.pem, cert.pem, key.pem for TLS (default ~/.docker)
  ssh:// runs the ssh client in batch mode (known_hosts, ~/.ssh/config, the
  agent and the default keys apply; the host key must be known) and, on the
  host, "docker system dial-stdio". A key with a passphrase must be in the
  ssh-agent (SSH_AUTH_SOCK). Also:
  FUEL_IMAGE_SSH_KEY     a private key file (ssh -i, only that key)
  FUEL_IMAGE_SSH_CONFIG  an ssh_config to use instead of ~/.ssh/config (ssh -F)
  More in the README, "Remote engines".

Releases: Debian (bullseye, bookworm, trixie, forky, ...) and Ubuntu LTS
(precise, trusty, xenial, bionic, focal, jammy, noble) and any later
codename: one the helper's debootstrap does not know is built with its
family's generic script, the family read from repos[0]'s Release file.
Ubuntu archives are checked with Ubuntu's keyring, which the helper has.
The images carry no per-node identity (SSH host keys, machine-id, random
seed): each node makes its own SSH host keys on first boot. A warning names
what Fuel's node agent needs but the image lacks (grub, ifupdown).

A build whose spec, options and fuel-image version match what produced the
files in the output directory, with every file still matching its metadata,
is skipped ("outcome":"up-to-date"); --force rebuilds. Builds into the same
output directory take turns (the second waits for the first); builds into
different directories run side by side.

Finished images are cached on the engine (the volume fuel-image-cache), one
entry per image, keyed by everything that decides its content: the spec
without its output, file names and proxies; the repos' Release files as the
mirrors serve them now (a mirror update misses); the mount layout, format
and container; the helper and fuel-image versions; the trust options; the
root password through a keyed hash. Another environment with the same
content gets its images from the cache in seconds, under its own file
names; the metadata lists the entries used (fuel_image.cache and
fuel_image.cache_trees). Installed trees are cached too: another /boot
format remakes /boot alone from the cached tree, and one package more is a
delta install on it when apt's simulation agrees that the result equals an
install from scratch. Bootstrapped trees are cached by codename, first repo
and its Release file: any other package list starts from there. An
up-to-date output is rebuilt when a repo serves a new Release file.

Build options:
  -f, --force            rebuild even if the output is up to date
      --no-cache         neither read nor write the image cache
                         (env FUEL_IMAGE_NO_CACHE=1)
      --cache-max SIZE   keep the cache within SIZE (10G, 500M; default
                         10G, env FUEL_IMAGE_CACHE_MAX): least recently used
                         entries are evicted after a build stores its own
      --lock-wait S      how long to wait for another build writing to the
                         same output directory (default 3600)
  -o, --output DIR       write to DIR instead of the spec's "output"
      --log-file PATH    also append JSON log lines (debug level) to PATH,
                         flushed line by line so a caller can follow progress
  -v, --verbose          debug logs on stderr (every step's output, every
                         apt and debootstrap line)
  -q, --quiet            only warnings and errors on stderr
      --progress MODE    what stderr shows (also for verify and gc): "auto"
                         (default): "tty" when stderr is a terminal (and TERM
                         is not dumb and CI is not set), "plain" on a dumb
                         terminal or in CI, else "json"; "tty": a live view
                         of a few lines (stage, percent, elapsed time,
                         download counts, the running step's last line),
                         one line per finished stage and a summary of the
                         files, sizes and md5s (colour unless NO_COLOR);
                         "plain": one line per stage, warnings, errors and
                         the summary, no cursor movement or colour; "json":
                         JSON log lines, as machines read them. In tty and
                         plain mode without --log-file the full log goes to
                         a temporary file, named when the run fails and
                         removed when it succeeds.
      --retries N        retries of each network step: bootstrap download,
                         apt-get update, package download (default 4)
      --retry-delay MS   first backoff between retries, doubling (default 2000)
      --keyring FILE     keyring (binary or armoured) for archives signed by
                         others than Debian and Ubuntu; added to the release's
                         own keyring
      --no-check-gpg     do not check Release signatures and trust every repo
                         during the build (as Fuel's builder did); nothing of it
                         stays in the image
      --allow-unsigned   trust repos (other than repos[0]) whose Release file is
                         unsigned or missing, as Fuel's local repos were; each is
                         named in a warning; signed repos are still checked
                         (env FUEL_IMAGE_ALLOW_UNSIGNED=1)
      --no-check-valid-until  build from Release files past their Valid-Until
                         (a snapshot or an unrefreshed local mirror); by
                         default such a repo fails the build, named
                         (env FUEL_IMAGE_NO_CHECK_VALID_UNTIL=1)
      --fs-features SET  "compatible" (default): only ext2/3/4 features that
                         e2fsprogs 1.42 reads, as Fuel's bootstrap ramdisk runs
                         e2fsck and resize2fs on the node; "target": what the
                         target's own e2fsprogs reads (metadata_csum, 64bit)
      --gzip-level N     how hard pigz compresses gzip images, 1 (fastest) to 9
                         (smallest); default 4: half the CPU of gzip's usual 6
                         for images about 3 % larger; any gunzip reads them
      --base-image NAME  base of the helper image (default fuel-image-base:trixie,
                         env FUEL_IMAGE_BASE)
      --helper-image NAME  use this helper image as it is (env FUEL_IMAGE_HELPER)
      --privileged       run the helper privileged; by default it only gets
                         CAP_SYS_ADMIN and apparmor=unconfined (to mount /proc)
      --network MODE     helper network mode (default host: repos on the
                         master's 127.0.0.1 are reachable)
verify: checks built images the way Fuel's node agent consumes them: each
file's md5 and size, its gunzipped size and md5 (raw_size/raw_md5), then in
a helper container e2fsck, resize2fs onto a larger device, e2fsck again, and
the requested packages in the root image's dpkg status. Exit 0 only when
every check passes; failures name the image and the check.
      --boot             also assemble a disk from the "/boot" and "/" images
                         (partitions and an fstab, as the agent writes them)
                         and boot it under QEMU (software emulation, in a
                         container; the host needs only Docker) with the
                         image's own kernel and initramfs; passes when a marker
                         unit reports multi-user.target on the serial console.
                         Needs systemd in the image. The boot-test image is
                         built on first use from the same local base image.
      --boot-timeout S   give up booting after S seconds (default 600)

gc: removes what killed builds left behind. A helper removes itself when its
builder dies (SIGKILL, lost engine connection); gc removes helper containers
(label org.openstack.fuel-image.role=helper) that are not running (--all:
every helper, and no other container; only when no build runs), and staging
directories in the OUTPUT_DIRs given. --dry-run lists without removing.
Builds also sweep stopped helpers when they start.

cache: "cache ls" lists the cache's entries (images, trees and bootstraps:
kind, key, codename, size, last use), newest use first; "cache prune"
evicts least recently used entries beyond --cache-max; "cache prune --all"
empties it.

serve: serves the images in DIR over HTTP (GET, HEAD; never dotfiles) at
PREFIX, as a Fuel master's nginx serves /var/www/nailgun/targetimages, so
the URIs in a spec's image_data resolve; until SIGINT/SIGTERM. compose.yaml
runs it beside the builder.

--example builds the bundled example spec (see "example" below).

helper: the helper image for a host that cannot make it (no debootstrap,
no mirror). "helper build" builds it (or finds it) on the engine; "helper
save FILE" writes it as a docker-save archive (gzip when FILE ends in .gz);
"helper load FILE" loads one and says whether it is this version's helper.
Builds find a loaded helper by its label, so its base need not exist. A
missing --base-image whose name names a registry (HOST[:PORT]/NAME:TAG) is
pulled; a bare name never is (it would mean Docker Hub). Installed from the
RPM, the helper and builder images come with it and are loaded on first use;
where the host's Node.js is missing or older than 20.12, /usr/bin/fuel-image
runs this same program in the builder image (FUEL_IMAGE_RUNTIME=node|docker
forces one way).

example: prints the bundled example spec (Debian bookworm, "/" ext4 +
"/boot" ext2) with its repo set to the Debian mirror. mirror: prints that
mirror. It is --mirror URI (example only), else FUEL_IMAGE_MIRROR, else the
host's apt sources: the first enabled, non-security deb entry serving a
Debian suite in /etc/apt/sources.list.d/*.sources, then /etc/apt/sources.list
and sources.list.d/*.list (an air-gapped master finds its local mirror).
      --mirror URI       the Debian mirror to put in the example

  -h, --help             this text
  -V, --version          the version

Output: logs on stderr (see --progress; JSON lines whenever stderr is not a
terminal); one JSON line on stdout with the outcome, each image's file, size
and md5, and the build's duration, in every mode (after the summary).

Exit codes:
  0    images and metadata written
  1    the build failed (the error names the step; nothing half-written)
  2    invalid input: bad spec or options (the message names the field);
       nothing was created
  130  interrupted by SIGINT, 143 by SIGTERM (helper removed, no partial
       files, earlier images in the output directory untouched); a second
       signal exits at once ("fuel-image gc" removes what is left)
`;
