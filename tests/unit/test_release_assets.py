"""Asset names (upstream, old zips, the Unsloth fork) and picking the asset for a host."""

from __future__ import annotations

import pytest

from verifier.release.assets import Host, ReleaseAsset, parse_asset_name, plan

TAG = "b11434"
UPSTREAM = [
    f"llama-{TAG}-bin-ubuntu-x64.tar.gz",
    f"llama-{TAG}-bin-ubuntu-arm64.tar.gz",
    f"llama-{TAG}-bin-ubuntu-vulkan-x64.tar.gz",
    f"llama-{TAG}-bin-ubuntu-vulkan-arm64.tar.gz",
    f"llama-{TAG}-bin-ubuntu-s390x.tar.gz",
    f"llama-{TAG}-bin-macos-arm64.tar.gz",
    f"llama-{TAG}-bin-macos-x64.tar.gz",
    f"llama-{TAG}-bin-win-cpu-x64.zip",
    f"llama-{TAG}-bin-win-cpu-arm64.zip",
    f"llama-{TAG}-bin-win-cuda-12.4-x64.zip",
    f"llama-{TAG}-bin-win-cuda-13.x-x64.zip",
    f"llama-{TAG}-bin-win-vulkan-x64.zip",
    "cudart-llama-bin-win-cuda-12.4-x64.zip",
    f"llama-{TAG}-xcframework.zip",
]

LINUX_X64 = Host("linux", "x86_64")
LINUX_ARM = Host("linux", "aarch64")
MAC_ARM = Host("macos", "aarch64")
WIN_X64 = Host("windows", "x86_64")
WIN_ARM = Host("windows", "aarch64")


def assets(names: list[str]) -> list[ReleaseAsset]:
    return [ReleaseAsset(i, n, 1000 + i, f"sha256:{i:064x}", f"http://api/assets/{i}") for i, n in enumerate(names)]


@pytest.mark.parametrize("name, expected", [
    (f"llama-{TAG}-bin-ubuntu-x64.tar.gz", ("build", "upstream", "ubuntu-x64", "linux", "x86_64", (), "tar.gz")),
    (f"llama-{TAG}-bin-win-cuda-12.4-x64.zip",
     ("build", "upstream", "win-cuda-12.4-x64", "windows", "x86_64", ("cuda", "12.4"), "zip")),
    (f"llama-{TAG}-bin-win-cpu-arm64.zip", ("build", "upstream", "win-cpu-arm64", "windows", "aarch64", ("cpu",), "zip")),
    (f"llama-{TAG}-bin-macos-arm64.tar.gz", ("build", "upstream", "macos-arm64", "macos", "aarch64", (), "tar.gz")),
    ("llama-b5000-bin-ubuntu-x64.zip", ("build", "upstream", "ubuntu-x64", "linux", "x86_64", (), "zip")),
    ("llama-b4000-bin-win-avx2-x64.zip", ("build", "upstream", "win-avx2-x64", "windows", "x86_64", ("avx2",), "zip")),
    ("app-b8000-linux-x64-cpu.tar.gz", ("build", "fork", "linux-x64-cpu", "linux", "x86_64", ("cpu",), "tar.gz")),
    ("app-b8000-linux-x64-cuda12-newer.tar.gz",
     ("build", "fork", "linux-x64-cuda12-newer", "linux", "x86_64", ("cuda12", "newer"), "tar.gz")),
])
def test_parse_names(name: str, expected: tuple[object, ...]) -> None:
    p = parse_asset_name(name)
    assert (p.kind, p.flavor, p.platform, p.os, p.arch, p.backend, p.ext) == expected


def test_fork_tag_with_dashes_is_split_by_the_known_tag() -> None:
    tag = "b11030-mix-5ff778e"
    p = parse_asset_name(f"app-{tag}-windows-x64-vulkan.zip", tag)
    assert (p.flavor, p.tag, p.platform, p.os, p.backend) == ("fork", tag, "windows-x64-vulkan", "windows", ("vulkan",))
    # without the tag the OS word still finds where the platform starts
    assert parse_asset_name(f"app-{tag}-linux-x64.tar.gz").platform == "linux-x64"


@pytest.mark.parametrize("name", ["cudart-llama-bin-win-cuda-12.4-x64.zip"])
def test_cuda_runtime_is_not_a_build(name: str) -> None:
    assert parse_asset_name(name).kind == "runtime"


@pytest.mark.parametrize("name", [f"llama-{TAG}-xcframework.zip", "llama-prebuilt-sha256.json", "README.md",
                                  "llama.cpp-source-b100.tar.gz"])
def test_other_files_are_not_builds(name: str) -> None:
    assert parse_asset_name(name).kind == "other"


@pytest.mark.parametrize("host, picked", [
    (LINUX_X64, f"llama-{TAG}-bin-ubuntu-x64.tar.gz"),
    (LINUX_ARM, f"llama-{TAG}-bin-ubuntu-arm64.tar.gz"),
    (MAC_ARM, f"llama-{TAG}-bin-macos-arm64.tar.gz"),
    (WIN_X64, f"llama-{TAG}-bin-win-cpu-x64.zip"),
    (WIN_ARM, f"llama-{TAG}-bin-win-cpu-arm64.zip"),
    (Host("linux", "s390x"), f"llama-{TAG}-bin-ubuntu-s390x.tar.gz"),
])
def test_default_pick_is_the_plain_cpu_build_for_the_host(host: Host, picked: str) -> None:
    result = plan(assets(UPSTREAM), host, tag=TAG)
    assert result.error is None
    assert [c.asset.name for c in result.picked] == [picked]
    assert result.picked[0].reason == f"picked: plain CPU build for {host}"


def test_reasons_for_assets_not_picked() -> None:
    reasons = {c.asset.name: c.reason for c in plan(assets(UPSTREAM), LINUX_X64, tag=TAG).choices}
    assert reasons[f"llama-{TAG}-bin-win-cpu-x64.zip"] == "built for windows; this host is linux"
    assert reasons[f"llama-{TAG}-bin-ubuntu-arm64.tar.gz"] == "built for aarch64; this host is x86_64"
    assert reasons[f"llama-{TAG}-bin-ubuntu-vulkan-x64.tar.gz"].startswith("runs here, but a vulkan build")
    assert reasons["cudart-llama-bin-win-cuda-12.4-x64.zip"] == "CUDA runtime libraries, not a llama-server build"
    assert reasons[f"llama-{TAG}-xcframework.zip"] == "not a llama-server build archive"


def test_all_host_takes_every_build_for_this_os_and_cpu() -> None:
    result = plan(assets(UPSTREAM), WIN_X64, tag=TAG, all_host=True)
    assert {c.asset.name for c in result.picked} == {
        f"llama-{TAG}-bin-win-cpu-x64.zip", f"llama-{TAG}-bin-win-cuda-12.4-x64.zip",
        f"llama-{TAG}-bin-win-cuda-13.x-x64.zip", f"llama-{TAG}-bin-win-vulkan-x64.zip"}


def test_platform_and_asset_override_the_host() -> None:
    by_platform = plan(assets(UPSTREAM), LINUX_X64, tag=TAG, platform="ubuntu-vulkan-x64")
    assert [c.asset.name for c in by_platform.picked] == [f"llama-{TAG}-bin-ubuntu-vulkan-x64.tar.gz"]
    named = plan(assets(UPSTREAM), LINUX_X64, tag=TAG, names=[f"llama-{TAG}-bin-macos-arm64.tar.gz"])
    assert [c.asset.name for c in named.picked] == [f"llama-{TAG}-bin-macos-arm64.tar.gz"]
    assert "built for macos" in named.picked[0].reason


def test_errors_say_what_is_there() -> None:
    none_here = plan(assets([f"llama-{TAG}-bin-macos-arm64.tar.gz"]), LINUX_X64, tag=TAG)
    assert none_here.error == (f"release {TAG} has no llama-server build for this host (linux x86_64); "
                               "platforms: macos-arm64")
    gpu_only = plan(assets([f"llama-{TAG}-bin-ubuntu-vulkan-x64.tar.gz"]), LINUX_X64, tag=TAG)
    assert gpu_only.error is not None and "no plain CPU build" in gpu_only.error and "ubuntu-vulkan-x64" in gpu_only.error
    assert plan(assets(UPSTREAM), LINUX_X64, tag=TAG, platform="nope").error.startswith(
        f"release {TAG} has no build for platform nope; platforms: macos-arm64, ")
    assert plan(assets(UPSTREAM), LINUX_X64, tag=TAG, names=["missing.zip"]).error == (
        f"release {TAG} has no asset named missing.zip")


def test_tar_gz_is_preferred_over_an_old_zip_of_the_same_build() -> None:
    result = plan(assets(["llama-b100-bin-ubuntu-x64.zip", "llama-b100-bin-ubuntu-x64.tar.gz"]), LINUX_X64, tag="b100")
    assert [c.asset.name for c in result.picked] == ["llama-b100-bin-ubuntu-x64.tar.gz"]


def test_fork_prefers_the_explicit_cpu_build() -> None:
    tag = "b9000-mix-abc"
    names = [f"app-{tag}-linux-x64-cuda12-newer.tar.gz", f"app-{tag}-linux-x64.tar.gz",
             f"app-{tag}-linux-x64-cpu.tar.gz", "llama-prebuilt-sha256.json", "llama-prebuilt-manifest.json"]
    result = plan(assets(names), LINUX_X64, tag=tag)
    assert [c.asset.name for c in result.picked] == [f"app-{tag}-linux-x64-cpu.tar.gz"]


def test_old_windows_instruction_set_variants_fall_back_to_avx2() -> None:
    names = ["llama-b3000-bin-win-avx512-x64.zip", "llama-b3000-bin-win-avx-x64.zip", "llama-b3000-bin-win-avx2-x64.zip",
             "llama-b3000-bin-win-cuda-cu12.2.0-x64.zip"]
    result = plan(assets(names), WIN_X64, tag="b3000")
    assert [c.asset.name for c in result.picked] == ["llama-b3000-bin-win-avx2-x64.zip"]
    assert "no plain CPU build" in result.picked[0].reason


def test_todays_nightly_assets_pick_one_plain_cpu_build_per_host() -> None:
    from tests.support.github_releases import nightly_asset_names

    listed = assets(nightly_asset_names("b11549"))
    for host, expected in [(LINUX_X64, "ubuntu-x64"), (LINUX_ARM, "ubuntu-arm64"), (MAC_ARM, "macos-arm64"),
                           (WIN_X64, "win-cpu-x64"), (WIN_ARM, "win-cpu-arm64")]:
        result = plan(listed, host, tag="b11549", repo="ggml-org/llama.cpp")
        assert [c.parsed.platform for c in result.picked] == [expected], host
        assert result.picked[0].parsed.flavor == "upstream"
    cudart = [c for c in plan(listed, LINUX_X64, tag="b11549").choices if c.asset.name.startswith("cudart-")]
    assert len(cudart) == 6 and all(not c.runs_here and "CUDA runtime" in c.reason for c in cudart)


def test_snapdragon_and_android_bundles_are_never_host_builds() -> None:
    from tests.support.github_releases import nightly_asset_names

    listed = assets(nightly_asset_names("b11549"))
    result = plan(listed, LINUX_ARM, tag="b11549", all_host=True)
    assert sorted(c.parsed.platform for c in result.picked) == [
        "ubuntu-arm64", "ubuntu-cuda-13.4-arm64", "ubuntu-vulkan-arm64"]
    reasons = {c.parsed.platform: c.reason for c in result.choices}
    assert "Snapdragon bundle" in reasons["linux-arm64-snapdragon"]
    assert reasons["android-arm64"] == reasons["android-arm64-snapdragon"] == "an Android bundle, not a build for this host"
    # named explicitly it is still what the user asked for
    explicit = plan(listed, LINUX_ARM, tag="b11549", platform="linux-arm64-snapdragon")
    assert [c.parsed.platform for c in explicit.picked] == ["linux-arm64-snapdragon"]


def test_a_forks_upstream_style_macos_assets_are_fork_builds() -> None:
    tag = "b11030-mix-5ff778e"
    listed = assets([f"llama-{tag}-bin-macos-arm64.tar.gz", f"app-{tag}-linux-x64-cpu.tar.gz"])
    fork = plan(listed, MAC_ARM, tag=tag, repo="unslothai/llama.cpp")
    assert [c.parsed.flavor for c in fork.choices] == ["fork", "fork"]
    assert fork.picked[0].reason == "picked: plain CPU fork build for macos aarch64"
    assert plan(listed, MAC_ARM, tag=tag, repo="ggml-org/llama.cpp").choices[0].parsed.flavor == "upstream"
