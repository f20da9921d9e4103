#!/usr/bin/env bash
# Local LLM speed: our provider (`local_bench`, release) against llama.cpp's C API on the same
# GGUF, the same static llama.cpp build, prompt length and token count (`llama_reference.cpp`).
# Run it on a quiet machine: llama.cpp's threads spin while they wait for each other.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL="${MODEL:-${HELLOSALES_MODELS_DIR:-$HOME/.cache/hellosales/models}/SmolLM2-135M-Instruct.Q4_1.gguf}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p hellosales-local-llm --example local_bench
OUT=$(ls -td "$TARGET"/release/build/llama-cpp-sys-2-*/out | head -1)
g++ -O2 -std=c++17 scripts/bench/llama_reference.cpp -I "$OUT/include" -L "$OUT/lib" \
  -lllama -lggml -lggml-cpu -lggml-base -fopenmp -lpthread -o "$TARGET/llama_reference"
for threads in 1 2; do
  echo "== llama.cpp C API, $threads thread(s)"
  "$TARGET/llama_reference" "$MODEL" "$threads" 380 128 5
  echo "== hellosales-local-llm, $threads thread(s)"
  "$TARGET/release/examples/local_bench" --model "$MODEL" --threads "$threads" --runs 5
done
