#!/usr/bin/env python3
"""Writes the reference vectors the local-embeddings tests compare against.

Encodes a few sales-flavoured sentences with sentence-transformers (the library that defines
all-MiniLM-L6-v2's pooling and normalisation) from the same model folder the Rust crate loads,
and writes crates/local-embeddings/tests/fixtures/minilm_reference.json.

Usage (offline; needs a venv with sentence-transformers):
    HF_HUB_OFFLINE=1 python scripts/models/minilm_reference.py [MODEL_DIR]

MODEL_DIR defaults to $HELLOSALES_MODELS_DIR/all-MiniLM-L6-v2, else
~/.cache/hellosales/models/all-MiniLM-L6-v2.
"""

import json
import os
import sys
from pathlib import Path

from sentence_transformers import SentenceTransformer
import sentence_transformers
import torch

SENTENCES = [
    "Our CRM integration cuts the time your reps spend on data entry in half.",
    "Could we schedule a fifteen-minute demo next Tuesday to walk through pricing?",
    "The quarterly revenue report shows a 12% increase in enterprise renewals.",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT = REPO_ROOT / "crates/local-embeddings/tests/fixtures/minilm_reference.json"


def model_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    base = os.environ.get("HELLOSALES_MODELS_DIR")
    root = Path(base) if base else Path.home() / ".cache/hellosales/models"
    return root / "all-MiniLM-L6-v2"


def render(document: dict) -> str:
    """JSON with one line per vector (diff-friendly, still plain JSON)."""
    head = {key: value for key, value in document.items() if key != "sentences"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "sentences": [')
    items = [
        f'    {{"text": {json.dumps(s["text"])},\n     "vector": {json.dumps(s["vector"])}}}'
        for s in document["sentences"]
    ]
    lines.append(",\n".join(items))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    folder = model_dir()
    if not (folder / "model.safetensors").is_file():
        sys.exit(f"no model at {folder}: run `cargo run -p hellosales-server -- models fetch`")
    model = SentenceTransformer(str(folder), device="cpu")
    vectors = model.encode(
        SENTENCES,
        batch_size=len(SENTENCES),
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    document = {
        "model": "all-MiniLM-L6-v2",
        "generator": (
            f"scripts/models/minilm_reference.py with sentence-transformers "
            f"{sentence_transformers.__version__}, torch {torch.__version__}"
        ),
        "max_seq_length": model.max_seq_length,
        "dimensions": int(vectors.shape[1]),
        "sentences": [
            {"text": text, "vector": [float(x) for x in vector]}
            for text, vector in zip(SENTENCES, vectors)
        ],
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render(document))
    print(f"wrote {len(SENTENCES)} vectors of {vectors.shape[1]} dims to {OUTPUT}")


if __name__ == "__main__":
    main()
