"""Release asset names (upstream and the Unsloth fork) and which asset runs on this host.

Upstream publishes ``llama-<tag>-bin-<platform>.tar.gz|.zip`` (``ubuntu-x64``,
``win-cuda-12.4-x64``, ``macos-arm64`` ...) plus ``cudart-llama-bin-win-cuda-<v>-x64.zip``
runtime bundles; the fork publishes ``app-<tag>-<platform>.tar.gz|.zip`` (``linux-x64-cpu``,
``linux-x64-cuda12-newer`` ...) and its tags may contain dashes, so the known tag is used to
split a name when it can be. Everything here is pure data: no network, no files.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from verifier.util import binfmt

ARCHIVE_EXTS = ("tar.gz", "tgz", "zip")

_OS_TOKENS = {"ubuntu": "linux", "linux": "linux", "openeuler": "linux", "macos": "macos", "darwin": "macos",
              "osx": "macos", "win": "windows", "windows": "windows", "android": "android"}
UPSTREAM_REPO = "ggml-org/llama.cpp"
_BUNDLES = {"snapdragon": "a Qualcomm Snapdragon bundle (Hexagon NPU libraries), not a build for this host"}
"""Backend tokens of device bundles that never count as a host build, not even with ``--all-host``."""
_ARCH_TOKENS = {"x64": "x86_64", "x86_64": "x86_64", "amd64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64",
                "s390x": "s390x", "riscv64": "riscv64", "ppc64le": "ppc64le", "loongarch64": "loongarch64",
                "x86": "x86", "armv7": "arm"}
_CPU_RANK = {("cpu",): 0, (): 1, ("avx2",): 2, ("avx",): 3, ("noavx",): 4}
"""Plain CPU builds first (explicit ``cpu``, then no backend at all), then old instruction-set variants."""
_FORK_PLATFORM = re.compile(r"^app-(?P<tag>.+?)-(?P<platform>(?:linux|windows|win|macos|darwin|ubuntu)-.+)$")
_UPSTREAM = re.compile(r"^llama-(?P<tag>.+?)-bin-(?P<platform>.+)$")


@dataclass(frozen=True)
class ReleaseAsset:
    """What the GitHub API says about one asset; independent of PyGithub's classes."""

    id: int
    name: str
    size: int
    digest: str | None
    """``sha256:<hex>`` as GitHub computes it; None on very old assets."""
    api_url: str
    download_url: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class Host:
    os: str
    """``linux``, ``macos`` or ``windows`` (anything else: ``sys.platform``)."""
    arch: str
    """Normalised as :func:`verifier.util.binfmt.normalize_arch` does (``x86_64``, ``aarch64`` ...)."""

    @classmethod
    def current(cls) -> Host:
        plat = sys.platform
        os_name = ("linux" if plat.startswith("linux") else "macos" if plat == "darwin"
                   else "windows" if plat in ("win32", "cygwin") else plat)
        return cls(os_name, binfmt.host_arch())

    def __str__(self) -> str:
        return f"{self.os} {self.arch}"


@dataclass(frozen=True)
class AssetName:
    """An asset name taken apart. ``kind`` is ``build``, ``runtime`` (CUDA DLLs) or ``other``."""

    kind: str
    flavor: str = ""
    """``upstream`` or ``fork``."""
    tag: str | None = None
    platform: str | None = None
    os: str | None = None
    arch: str | None = None
    backend: tuple[str, ...] = ()
    """Tokens other than OS and architecture: ``()`` or ``("cpu",)`` for a plain CPU build."""
    ext: str | None = None

    @property
    def backend_label(self) -> str:
        return "-".join(self.backend) or "cpu"

    @property
    def cpu_rank(self) -> int | None:
        """How plain a CPU build this is (0 best); None for GPU and other backends."""
        return _CPU_RANK.get(self.backend)


def _split_ext(name: str) -> tuple[str, str | None]:
    for ext in ARCHIVE_EXTS:
        if name.lower().endswith("." + ext):
            return name[: -len(ext) - 1], ext
    return name, None


def _parse_platform(platform: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(os, arch, backend tokens); a version token such as ``12.4`` stays with its backend."""
    os_name = arch = None
    backend: list[str] = []
    for token in platform.split("-"):
        low = token.lower()
        if os_name is None and low in _OS_TOKENS:
            os_name = _OS_TOKENS[low]
        elif arch is None and low in _ARCH_TOKENS:
            arch = _ARCH_TOKENS[low]
        elif low:
            backend.append(low)
    return os_name, arch, tuple(backend)


def parse_asset_name(name: str, tag: str | None = None) -> AssetName:
    """Take an asset name apart; ``tag`` (the release's) disambiguates dashed fork tags."""
    stem, ext = _split_ext(name)
    if ext is None:
        return AssetName("other")
    if stem.startswith("cudart-"):
        return AssetName("runtime", "upstream", ext=ext)
    flavor = platform = found_tag = None
    if tag and stem.startswith(f"llama-{tag}-bin-"):
        flavor, found_tag, platform = "upstream", tag, stem[len(f"llama-{tag}-bin-"):]
    elif tag and stem.startswith(f"app-{tag}-"):
        flavor, found_tag, platform = "fork", tag, stem[len(f"app-{tag}-"):]
    elif match := _UPSTREAM.match(stem):
        flavor, found_tag, platform = "upstream", match["tag"], match["platform"]
    elif match := _FORK_PLATFORM.match(stem):
        flavor, found_tag, platform = "fork", match["tag"], match["platform"]
    if not platform:
        return AssetName("other", ext=ext)
    os_name, arch, backend = _parse_platform(platform)
    if os_name is None or arch is None:
        return AssetName("other", flavor or "", found_tag, platform, os_name, arch, backend, ext)
    return AssetName("build", flavor or "", found_tag, platform, os_name, arch, backend, ext)


@dataclass(frozen=True)
class Choice:
    """One asset of the release, whether it was picked, and why (or why not)."""

    asset: ReleaseAsset
    parsed: AssetName
    runs_here: bool
    picked: bool
    reason: str


@dataclass(frozen=True)
class Plan:
    choices: list[Choice]
    error: str | None = None
    """Why nothing could be picked (one line), or None."""
    host: Host = field(default_factory=Host.current)

    @property
    def picked(self) -> list[Choice]:
        return [c for c in self.choices if c.picked]


def _fit(parsed: AssetName, host: Host) -> tuple[bool, str]:
    """Whether an asset runs on ``host``, and the reason when it does not."""
    if parsed.kind == "runtime":
        return False, "CUDA runtime libraries, not a llama-server build"
    if parsed.kind != "build":
        return False, "not a llama-server build archive"
    if parsed.os == "android":
        return False, "an Android bundle, not a build for this host"
    bundle = next((_BUNDLES[b] for b in parsed.backend if b in _BUNDLES), None)
    if bundle is not None:
        return False, bundle
    if parsed.os != host.os:
        return False, f"built for {parsed.os}; this host is {host.os}"
    if parsed.arch != host.arch:
        return False, f"built for {parsed.arch}; this host is {host.arch}"
    return True, ""


def _ext_rank(parsed: AssetName) -> int:
    return 0 if parsed.ext in ("tar.gz", "tgz") else 1


def _platforms(parsed: Iterable[AssetName]) -> str:
    names = sorted({p.platform for p in parsed if p.kind == "build" and p.platform})
    return ", ".join(names) if names else "none"


def plan(assets: Sequence[ReleaseAsset], host: Host, *, tag: str | None = None, names: Sequence[str] = (),
         platform: str | None = None, all_host: bool = False, repo: str | None = None) -> Plan:
    """Annotate every asset with picked-or-not and why; ``error`` says why nothing was picked.

    Precedence: ``names`` (``--asset``), then ``platform``, then ``all_host``, else the one
    plain CPU build that runs on ``host`` (a ``.tar.gz`` before a ``.zip`` of the same build).
    ``repo``: a repository other than upstream's publishes fork builds, whatever their names
    look like (the Unsloth fork names its macOS assets as upstream does).
    """
    parsed = [parse_asset_name(a.name, tag) for a in assets]
    if repo is not None and repo.lower() != UPSTREAM_REPO:
        parsed = [replace(p, flavor="fork") if p.flavor == "upstream" else p for p in parsed]
    fits = [_fit(p, host) for p in parsed]
    label = f"release {tag}" if tag else "the release"

    if names:
        wanted = set(names)
        missing = sorted(wanted - {a.name for a in assets})
        choices = [Choice(a, p, ok, a.name in wanted,
                          ("named with --asset" + ("" if ok else f" ({why})")) if a.name in wanted else "not named")
                   for a, p, (ok, why) in zip(assets, parsed, fits)]
        error = f"{label} has no asset named {', '.join(missing)}" if missing else None
        return Plan(choices, error, host)

    if platform is not None:
        choices = [Choice(a, p, ok, p.kind == "build" and p.platform == platform,
                          (f"--platform {platform}" + ("" if ok else f" ({why})"))
                          if p.kind == "build" and p.platform == platform else (why or "another platform"))
                   for a, p, (ok, why) in zip(assets, parsed, fits)]
        error = None if any(c.picked for c in choices) else (
            f"{label} has no build for platform {platform}; platforms: {_platforms(parsed)}")
        return Plan(choices, error, host)

    if all_host:
        choices = [Choice(a, p, ok, ok, f"runs here ({host}, {p.backend_label} build)" if ok else why)
                   for a, p, (ok, why) in zip(assets, parsed, fits)]
        error = None if any(ok for ok, _ in fits) else (
            f"{label} has no llama-server build for this host ({host}); platforms: {_platforms(parsed)}")
        return Plan(choices, error, host)

    runnable = [i for i, (ok, _) in enumerate(fits) if ok]
    cpu = [i for i in runnable if parsed[i].cpu_rank is not None]
    best = min(cpu, key=lambda i: (parsed[i].cpu_rank, _ext_rank(parsed[i]), assets[i].name), default=None)
    choices = []
    for i, (a, p, (ok, why)) in enumerate(zip(assets, parsed, fits)):
        if i == best:
            plain = "plain CPU build" if p.cpu_rank in (0, 1) else f"{p.backend_label} CPU build (no plain CPU build)"
            plain = plain.replace("build", "fork build", 1) if p.flavor == "fork" else plain
            reason = f"picked: {plain} for {host}"
        elif not ok:
            reason = why
        elif p.cpu_rank is None:
            reason = f"runs here, but a {p.backend_label} build: --platform {p.platform} or --all-host to take it"
        else:
            reason = f"runs here; {assets[best].name if best is not None else 'another asset'} is preferred"
        choices.append(Choice(a, p, ok, i == best, reason))
    error = None
    if best is None:
        error = (f"{label} has no plain CPU build for this host ({host}); builds that run here: "
                 f"{', '.join(parsed[i].platform or assets[i].name for i in runnable)}; "
                 "pick one with --platform or take them all with --all-host" if runnable else
                 f"{label} has no llama-server build for this host ({host}); platforms: {_platforms(parsed)}")
    return Plan(choices, error, host)
