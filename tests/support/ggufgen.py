"""Small real GGUF files for tests, written with gguf's own GGUFWriter (header only, no tensors)."""

from __future__ import annotations

from pathlib import Path


def write_model(path: Path, arch: str = "qwen35", *, size_label: str | None = None, padding: int = 0,
                **kv: int | float | str | list[int] | list[bool]) -> Path:
    """A GGUF whose metadata holds ``{arch}.{key}`` for each ``kv`` item (``__`` in a key becomes ``.``).

    ``padding`` appends that many bytes so file-size rules (drafter bytes) have something to count.
    """
    from gguf import GGUFWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(str(path), arch)
    if size_label is not None:
        writer.add_string("general.size_label", size_label)
    for key, value in kv.items():
        name = f"{arch}.{key.replace('__', '.')}"
        if isinstance(value, bool):
            writer.add_bool(name, value)
        elif isinstance(value, int):
            writer.add_uint32(name, value)
        elif isinstance(value, float):
            writer.add_float32(name, value)
        elif isinstance(value, str):
            writer.add_string(name, value)
        else:
            writer.add_array(name, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if padding:
        with open(path, "ab") as f:
            f.write(b"\0" * padding)
    return path


GQA_8B = {"block_count": 32, "embedding_length": 4096, "attention__head_count": 32, "attention__head_count_kv": 8,
          "attention__key_length": 128, "attention__value_length": 128}
"""Llama-3.1-8B geometry: 32 layers x 8 KV heads x (128 + 128) x 2 bytes = 128 KiB per token at f16."""
