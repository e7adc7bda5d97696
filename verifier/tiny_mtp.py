"""Write a tiny random-weight ``qwen35`` (or ``qwen35moe``) GGUF with one MTP (NextN) block, so draft-mtp can run.

No MTP model small enough for CI exists on the package registry, so ``--launch`` could only say
"MTP runtime present, model has no MTP layers". This model is the smallest thing llama.cpp's
``qwen35`` loader accepts with ``qwen35.nextn_predict_layers = 1``: two trunk layers (one gated
delta-net, one full attention) and the MTP block after them, random weights, the loader's
``test`` tokenizer (text is hashed in 5-byte chunks; tokens detokenize as hex ids, and there is no
end-of-sequence token, so a completion always runs to ``n_predict``). It drafts nonsense, but
through the real MTP code: timings report ``draft_n > 0``. It is useless for speed figures other
than MTP's overhead.

    python -m verifier.tiny_mtp OUT.gguf [--seed N] [--arch qwen35moe]   # writes OUT.gguf
    python -m verifier.tiny_mtp [--seed N]                              # cached; prints its path

(``scripts/make_tiny_mtp_gguf.py`` is the same command for a checkout.)

Shapes and key names follow llama.cpp's loader (``src/models/qwen35.cpp``, ``qwen35moe.cpp``,
``src/llama-arch.cpp`` of build 11434); ``qwen35moe`` swaps each dense FFN for four routed
experts (two used) and a gated shared expert. The same seed gives the same bytes. The file is
written beside its target and renamed into place, so an interrupted run leaves nothing. Cache:
``$LLAMA_SERVER_VERIFIER_CACHE`` or ``~/.cache/llama-server-verifier/`` holds
``models/tiny-<arch>-mtp-s<seed>-v<N>.gguf``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ARCHES = ("qwen35", "qwen35moe")
FORMAT_VERSION = 1
"""Bumped whenever the written bytes change, so a cached file of an older layout is not reused."""


@dataclass(frozen=True)
class Shape:
    """Hyperparameters: the smallest the loader and the CPU kernels are happy with."""

    n_vocab: int = 128
    n_embd: int = 256
    n_head: int = 2
    n_ff: int = 384
    n_trunk: int = 2
    """Trunk layers; with ``full_attention_interval`` 2, layer 0 is recurrent and layer 1 attention."""
    n_ctx: int = 4096
    ssm_state: int = 128
    ssm_groups: int = 2
    ssm_conv_kernel: int = 4
    n_expert: int = 0
    """0: dense FFN (``qwen35``); else routed experts plus a shared one (``qwen35moe``)."""
    n_expert_used: int = 2
    n_ff_expert: int = 128

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @property
    def ssm_value_heads(self) -> int:
        return self.n_head  # ssm.time_step_rank

    @property
    def ssm_key_dim(self) -> int:
        return self.ssm_state * self.ssm_groups

    @property
    def ssm_value_dim(self) -> int:
        return self.ssm_state * self.ssm_value_heads


def cache_root() -> Path:
    env = os.environ.get("LLAMA_SERVER_VERIFIER_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "llama-server-verifier"


def shape_for(arch: str) -> Shape:
    if arch not in ARCHES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHES)}")
    return Shape(n_expert=4) if arch == "qwen35moe" else Shape()


def cached_path(seed: int = 0, arch: str = "qwen35") -> Path:
    return cache_root() / "models" / f"tiny-{arch}-mtp-s{seed}-v{FORMAT_VERSION}.gguf"


def _tensors(shape: Shape) -> list[tuple[str, tuple[int, ...]]]:
    """Every tensor the loader creates, as (name, ggml shape ne0, ne1, ...), in file order."""
    e, v, ff, hd, h = shape.n_embd, shape.n_vocab, shape.n_ff, shape.head_dim, shape.n_head
    out: list[tuple[str, tuple[int, ...]]] = [
        ("token_embd.weight", (e, v)), ("output_norm.weight", (e,)), ("output.weight", (e, v))]

    def attention(il: int) -> None:
        out.extend([
            (f"blk.{il}.attn_q.weight", (e, hd * h * 2)),  # query and its output gate
            (f"blk.{il}.attn_k.weight", (e, hd * h)),
            (f"blk.{il}.attn_v.weight", (e, hd * h)),
            (f"blk.{il}.attn_output.weight", (hd * h, e)),
            (f"blk.{il}.attn_q_norm.weight", (hd,)),
            (f"blk.{il}.attn_k_norm.weight", (hd,)),
        ])

    def block(il: int, recurrent: bool) -> None:
        out.extend([(f"blk.{il}.attn_norm.weight", (e,)), (f"blk.{il}.post_attention_norm.weight", (e,))])
        if recurrent:
            conv = shape.ssm_key_dim * 2 + shape.ssm_value_dim
            vh = shape.ssm_value_heads
            out.extend([
                (f"blk.{il}.attn_qkv.weight", (e, conv)),
                (f"blk.{il}.attn_gate.weight", (e, shape.ssm_value_dim)),
                (f"blk.{il}.ssm_conv1d.weight", (shape.ssm_conv_kernel, conv)),
                (f"blk.{il}.ssm_dt.bias", (vh,)),
                (f"blk.{il}.ssm_a", (vh,)),
                (f"blk.{il}.ssm_beta.weight", (e, vh)),
                (f"blk.{il}.ssm_alpha.weight", (e, vh)),
                (f"blk.{il}.ssm_norm.weight", (shape.ssm_state,)),
                (f"blk.{il}.ssm_out.weight", (shape.ssm_value_dim, e)),
            ])
        else:
            attention(il)
        if not shape.n_expert:
            out.extend([(f"blk.{il}.ffn_gate.weight", (e, ff)), (f"blk.{il}.ffn_down.weight", (ff, e)),
                        (f"blk.{il}.ffn_up.weight", (e, ff))])
            return
        x, fx = shape.n_expert, shape.n_ff_expert
        out.extend([
            (f"blk.{il}.ffn_gate_inp.weight", (e, x)),
            (f"blk.{il}.ffn_down_exps.weight", (fx, e, x)),
            (f"blk.{il}.ffn_gate_exps.weight", (e, fx, x)),
            (f"blk.{il}.ffn_up_exps.weight", (e, fx, x)),
            (f"blk.{il}.ffn_gate_inp_shexp.weight", (e,)),
            (f"blk.{il}.ffn_gate_shexp.weight", (e, fx)),
            (f"blk.{il}.ffn_up_shexp.weight", (e, fx)),
            (f"blk.{il}.ffn_down_shexp.weight", (fx, e)),
        ])

    for il in range(shape.n_trunk):
        block(il, recurrent=(il + 1) % 2 != 0)
    mtp = shape.n_trunk
    block(mtp, recurrent=False)  # the MTP block is a full-attention decoder block ...
    out.extend([  # ... plus the NextN projection of [embedding; hidden state]
        (f"blk.{mtp}.nextn.eh_proj.weight", (2 * e, e)),
        (f"blk.{mtp}.nextn.enorm.weight", (e,)),
        (f"blk.{mtp}.nextn.hnorm.weight", (e,)),
    ])
    return out


def _values(name: str, ne: tuple[int, ...], seed: int):  # -> numpy array (numpy is imported lazily)
    import numpy as np

    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    dims = tuple(reversed(ne))  # numpy order is ggml's reversed
    if name.endswith("ssm_a"):
        return -np.abs(rng.normal(0.5, 0.2, dims)).astype(np.float32)  # a decay: must be negative
    if len(ne) == 1:
        return (1.0 + rng.normal(0.0, 0.05, dims)).astype(np.float32)  # norms and biases near 1
    values = rng.normal(0.0, 0.1, dims).astype(np.float32)
    return values if "ssm_conv1d" in name else values.astype(np.float16)  # the conv kernel wants F32


def parameter_count(shape: Shape = Shape()) -> int:
    total = 0
    for _, ne in _tensors(shape):
        n = 1
        for d in ne:
            n *= d
        total += n
    return total


def write(out: Path, seed: int = 0, arch: str = "qwen35") -> Path:
    """Write the model to ``out`` (atomically); return ``out``."""
    import gguf

    shape = shape_for(arch)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        w = gguf.GGUFWriter(tmp, arch)
        w.add_name(f"tiny random {arch} MTP (seed {seed})")
        w.add_size_label(f"{max(1, round(parameter_count(shape) / 1e6))}M")
        w.add_context_length(shape.n_ctx)
        w.add_embedding_length(shape.n_embd)
        w.add_block_count(shape.n_trunk + 1)  # trunk + the MTP block
        w.add_nextn_predict_layers(1)
        w.add_feed_forward_length(shape.n_ff)
        if shape.n_expert:
            w.add_expert_count(shape.n_expert)
            w.add_expert_used_count(shape.n_expert_used)
            w.add_expert_feed_forward_length(shape.n_ff_expert)
            w.add_expert_shared_feed_forward_length(shape.n_ff_expert)
        w.add_head_count(shape.n_head)
        w.add_head_count_kv(shape.n_head)
        w.add_layer_norm_rms_eps(1e-6)
        w.add_rope_freq_base(10000.0)
        w.add_rope_dimension_sections([shape.head_dim // 4] * 4)
        w.add_full_attention_interval(2)
        w.add_ssm_conv_kernel(shape.ssm_conv_kernel)
        w.add_ssm_inner_size(shape.ssm_value_dim)
        w.add_ssm_state_size(shape.ssm_state)
        w.add_ssm_time_step_rank(shape.ssm_value_heads)
        w.add_ssm_group_count(shape.ssm_groups)
        w.add_tokenizer_model("test")
        w.add_token_list([f"tok_{i}" for i in range(shape.n_vocab)])
        w.add_token_scores([0.0] * shape.n_vocab)
        for name, ne in _tensors(shape):
            w.add_tensor(name, _values(name, ne, seed))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def cached(seed: int = 0, arch: str = "qwen35") -> Path:
    """The cached model of this seed and architecture, written on first use."""
    target = cached_path(seed, arch)
    return target if target.is_file() else write(target, seed, arch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier.tiny_mtp", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, metavar="OUT.gguf",
                        help="where to write it (default: the cache; the path is printed)")
    parser.add_argument("--seed", type=int, default=0, help="weights seed (default 0)")
    parser.add_argument("--arch", choices=ARCHES, default="qwen35", help="architecture (default qwen35)")
    args = parser.parse_args(argv)
    if args.out is not None and args.out.is_dir():
        print(f"error: {args.out} is a directory", file=sys.stderr)
        return 2
    try:
        path = write(args.out, args.seed, args.arch) if args.out is not None else cached(args.seed, args.arch)
    except OSError as exc:
        print(f"error: could not write the model: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
