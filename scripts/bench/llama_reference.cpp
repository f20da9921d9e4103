// The reference for the local model's speed: the same GGUF decoded greedily by llama.cpp's C API
// directly (no Rust, no sampler chain, no streaming), with the same prompt length and token
// count as `local_bench`. Built against the static libraries llama-cpp-sys-2 produced, see
// scripts/bench/local-llm.sh.
#include "llama.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

int main(int argc, char ** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s MODEL THREADS PROMPT_WORDS MAX_TOKENS [RUNS]\n", argv[0]);
        return 1;
    }
    const char * path = argv[1];
    const int threads = atoi(argv[2]);
    const int words = atoi(argv[3]);
    const int max_tokens = atoi(argv[4]);
    const int runs = argc > 5 ? atoi(argv[5]) : 3;
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    llama_backend_init();
    llama_model * model = llama_model_load_from_file(path, llama_model_default_params());
    if (!model) { fprintf(stderr, "cannot load %s\n", path); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    std::string filler = "Our customers in retail and logistics want fewer manual steps, faster quotes and "
                         "clear reports for their managers. ";
    std::string body;
    for (int i = 0; i <= words / 18; i++) body += filler;
    std::string prompt = "<|im_start|>user\n" + body + "\nSummarise the above at length.<|im_end|>\n<|im_start|>assistant\n";
    std::vector<llama_token> tokens(prompt.size() + 8);
    int n = llama_tokenize(vocab, prompt.c_str(), prompt.size(), tokens.data(), tokens.size(), false, true);
    tokens.resize(n);
    for (int run = 0; run <= runs; run++) {
        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = 4096; cp.n_batch = 512; cp.n_threads = threads; cp.n_threads_batch = threads;
        llama_context * ctx = llama_init_from_model(model, cp);
        llama_sampler * smpl = llama_sampler_init_greedy();
        auto start = std::chrono::steady_clock::now();
        llama_batch batch = llama_batch_get_one(tokens.data(), tokens.size());
        if (llama_decode(ctx, batch)) { fprintf(stderr, "prefill failed\n"); return 1; }
        llama_token token = llama_sampler_sample(smpl, ctx, -1);
        double ttft = ms_since(start);
        auto first = std::chrono::steady_clock::now();
        int generated = 1;
        while (generated < max_tokens && !llama_vocab_is_eog(vocab, token)) {
            batch = llama_batch_get_one(&token, 1);
            if (llama_decode(ctx, batch)) { fprintf(stderr, "decode failed\n"); return 1; }
            token = llama_sampler_sample(smpl, ctx, -1);
            generated++;
        }
        double decode = ms_since(first);
        printf("run %d%s: prompt %d tokens, TTFT %.0f ms (%.0f tok/s); decoded %d tokens at %.1f tok/s\n",
               run, run == 0 ? " (warm-up)" : "", n, ttft, n / (ttft / 1000.0), generated,
               (generated - 1) / (decode / 1000.0));
        llama_sampler_free(smpl);
        llama_free(ctx);
    }
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
