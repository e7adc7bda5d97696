"""KV-cache size from a GGUF header: bytes per cell for a context, cache type and slot layout.

The rules follow the reference application (STUDIO-HEAD section 6): MLA caches K only,
hybrid (SSM + attention) models cache only every ``full_attention_interval``-th layer plus a
fixed f32 state, sliding-window layers hold at most ``window + ubatch`` cells, and GQA sums
per-layer KV heads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CELL_PAD = 256
DEFAULT_UBATCH = 512
DEFAULT_KEY_LENGTH_MLA = 64

BYTES_PER_ELEMENT = {"f32": 4.0, "f16": 2.0, "bf16": 2.0, "q8_0": 1.0625, "q5_1": 0.75, "q5_0": 0.6875,
                     "q4_1": 0.625, "q4_0": 0.5625, "iq4_nl": 0.5625}
"""Bytes per element of each KV cache type; anything else counts as 2 (f16)."""

KV_KEYS = ("block_count", "nextn_predict_layers", "embedding_length", "attention.head_count",
           "attention.head_count_kv", "attention.key_length", "attention.value_length",
           "attention.key_length_swa", "attention.value_length_swa", "attention.sliding_window",
           "attention.sliding_window_pattern", "attention.shared_kv_layers", "attention.kv_lora_rank",
           "attention.key_length_mla", "full_attention_interval", "ssm.inner_size", "ssm.state_size",
           "ssm.group_count", "ssm.conv_kernel")
"""Header keys read under ``{arch}.``."""

NEXTN_SUBTRACTED_ARCHS = frozenset({"glm4moe", "deepseek3", "qwen35", "qwen35moe"})
"""Archs whose MTP layers are counted in block_count but hold no target KV (besides hybrids)."""


def bytes_per_element(cache_type: str | None) -> float:
    return BYTES_PER_ELEMENT.get((cache_type or "f16").strip().lower(), 2.0)


def pad_cells(n: int) -> int:
    return max(CELL_PAD, -(-n // CELL_PAD) * CELL_PAD)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@dataclass(frozen=True)
class KVShape:
    """The attention and state geometry of a model, as its GGUF header states it."""

    arch: str
    block_count: int
    head_count: int
    head_count_kv: tuple[int, ...]
    """Per layer (a scalar in the header is broadcast)."""
    key_length: int
    value_length: int
    nextn: int = 0
    key_length_swa: int | None = None
    value_length_swa: int | None = None
    sliding_window: int | None = None
    swa_layers: tuple[bool, ...] = ()
    shared_kv_layers: int = 0
    kv_lora_rank: int | None = None
    key_length_mla: int | None = None
    full_attention_interval: int | None = None
    ssm_inner_size: int | None = None
    ssm_state_size: int | None = None
    ssm_group_count: int | None = None
    ssm_conv_kernel: int | None = None
    explicit_key_length: bool = True
    """False when ``attention.key_length`` was absent and ``embedding / heads`` stands in."""

    @classmethod
    def from_metadata(cls, arch: str, meta: dict[str, object]) -> KVShape | None:
        """None when the header lacks the geometry (block count, heads, embedding)."""
        def get(key: str) -> object:
            return meta.get(f"{arch}.{key}")

        blocks = _int(get("block_count"))
        heads = _int(get("attention.head_count"))
        if isinstance(get("attention.head_count"), list):
            heads = max((_int(h) or 0 for h in get("attention.head_count")), default=0)  # type: ignore[union-attr]
        embd = _int(get("embedding_length"))
        if not blocks or not heads or not embd:
            return None
        raw_kv = get("attention.head_count_kv")
        if isinstance(raw_kv, list):
            kv = tuple((_int(h) or 0) for h in raw_kv)[:blocks]
            kv = kv + (kv[-1] if kv else heads,) * (blocks - len(kv))
        else:
            kv = ((_int(raw_kv) if _int(raw_kv) is not None else heads),) * blocks  # type: ignore[assignment]
        key = _int(get("attention.key_length")) or embd // heads
        value = _int(get("attention.value_length")) or key
        window = _int(get("attention.sliding_window")) or None
        pattern = get("attention.sliding_window_pattern")
        swa: tuple[bool, ...] = ()
        if window:
            if isinstance(pattern, list):
                swa = tuple(bool(p) for p in pattern[:blocks])
            elif _int(pattern):
                period = int(pattern)  # type: ignore[arg-type]
                swa = tuple((i + 1) % period != 0 for i in range(blocks))
        fai = get("full_attention_interval")
        return cls(arch, blocks, heads, kv, key, value, _int(get("nextn_predict_layers")) or 0,
                   _int(get("attention.key_length_swa")), _int(get("attention.value_length_swa")), window, swa,
                   _int(get("attention.shared_kv_layers")) or 0, _int(get("attention.kv_lora_rank")) or None,
                   _int(get("attention.key_length_mla")), _int(fai) if not isinstance(fai, list) else None,
                   _int(get("ssm.inner_size")), _int(get("ssm.state_size")), _int(get("ssm.group_count")),
                   _int(get("ssm.conv_kernel")), _int(get("attention.key_length")) is not None)

    @property
    def is_mla(self) -> bool:
        return bool(self.kv_lora_rank)

    @property
    def is_hybrid(self) -> bool:
        """SSM layers plus attention every ``full_attention_interval`` layers (not an arch list)."""
        return bool(self.ssm_inner_size) and bool(self.full_attention_interval)

    @property
    def attention_layers(self) -> int:
        layers = self.block_count - self.shared_kv_layers
        if self.is_hybrid or self.arch in NEXTN_SUBTRACTED_ARCHS:
            layers -= self.nextn
        return max(layers, 0)

    def state_bytes_per_sequence(self) -> int:
        """f32 recurrent state (conv + SSM) of all SSM layers for one sequence; 0 without SSM."""
        if not self.is_hybrid:
            return 0
        inner, state = self.ssm_inner_size or 0, self.ssm_state_size or 0
        groups, conv = self.ssm_group_count or 1, self.ssm_conv_kernel or 4
        interval = self.full_attention_interval or 1
        ssm_layers = self.attention_layers - math.ceil(self.attention_layers / interval)
        per_layer = (conv - 1) * (inner + 2 * groups * state) + inner * state
        return 4 * per_layer * max(ssm_layers, 0)

    def kv_bytes(self, n_ctx: int, *, cache_type_k: str | None = "f16", cache_type_v: str | None = "f16",
                 flash_attn: bool = True, slots: int = 1, unified: bool = True,
                 ubatch: int = DEFAULT_UBATCH) -> int:
        """Bytes of the target's KV cache (and recurrent state) for ``n_ctx`` over ``slots`` slots."""
        bpe_k = bytes_per_element(cache_type_k)
        bpe_v = bytes_per_element(cache_type_v)
        if not flash_attn:
            bpe_v = max(bpe_v, 2.0)
        streams = 1 if unified else max(slots, 1)
        cells = pad_cells(n_ctx) if unified else pad_cells(-(-n_ctx // max(slots, 1)))
        layers = self.attention_layers
        if self.is_mla:
            width = (self.key_length if self.explicit_key_length
                     else (self.kv_lora_rank or 0) + (self.key_length_mla or DEFAULT_KEY_LENGTH_MLA))
            per_cell = sum(self.head_count_kv[:layers]) * width * bpe_k
            return int(per_cell * cells * streams)
        if self.is_hybrid:
            attn = math.ceil(layers / self.full_attention_interval)  # type: ignore[operator]
            per_cell = attn * self.head_count_kv[0] * (self.key_length * bpe_k + self.value_length * bpe_v)
            return int(per_cell * cells * streams) + self.state_bytes_per_sequence() * max(slots, 1)
        total = 0.0
        swa_cells = pad_cells(min(cells, (self.sliding_window or 0) * (max(slots, 1) if unified else 1) + ubatch))
        for i in range(layers):
            n_kv = self.head_count_kv[i] if i < len(self.head_count_kv) else self.head_count_kv[-1]
            is_swa = bool(self.swa_layers) and i < len(self.swa_layers) and self.swa_layers[i]
            k = (self.key_length_swa or self.key_length) if is_swa else self.key_length
            v = (self.value_length_swa or self.value_length) if is_swa else self.value_length
            total += n_kv * (k * bpe_k + v * bpe_v) * (swa_cells if is_swa else cells)
        return int(total * streams)

    def kv_bytes_per_token(self, **kwargs: object) -> float:
        """Average bytes per context token at a long context (sliding windows amortised away)."""
        n = 1 << 17
        return self.kv_bytes(n, **kwargs) / n  # type: ignore[arg-type]

    def draft_kv_bytes(self, n_ctx: int, *, cache_type_k: str | None = "f16", cache_type_v: str | None = "f16",
                       slots: int = 1, unified: bool = True) -> int:
        """KV of the embedded MTP head: nextn layers, f16 or wider."""
        if not self.nextn:
            return 0
        bpe_k = max(bytes_per_element(cache_type_k), 2.0)
        bpe_v = max(bytes_per_element(cache_type_v), 2.0)
        cells = pad_cells(n_ctx) if unified else pad_cells(-(-n_ctx // max(slots, 1))) * max(slots, 1)
        n_kv = self.head_count_kv[-1]
        return int(self.nextn * n_kv * (self.key_length * bpe_k + self.value_length * bpe_v) * cells)
