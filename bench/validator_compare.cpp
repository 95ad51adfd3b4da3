// bench/validator_compare.sh helper: simdjson's DOM parser (full validation, and a tape of
// every value) over one JSON file, ITERATIONS times, with one of simdjson's kernels.
//   validator_compare_simdjson FILE ITERATIONS [haswell|westmere|fallback]
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" __attribute__((noinline)) int parse_once(simdjson::dom::parser &p,
                                                    const simdjson::padded_string &s)
{
    simdjson::dom::element e;
    return p.parse(s).get(e) == simdjson::SUCCESS;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    simdjson::padded_string s;
    if (simdjson::padded_string::load(argv[1]).get(s))
        return 1;
    if (argc > 3) {
        auto impl = simdjson::get_available_implementations()[argv[3]];
        if (!impl || !impl->supported_by_runtime_system()) {
            std::fprintf(stderr, "simdjson kernel %s: not on this CPU\n", argv[3]);
            return 3;
        }
        simdjson::get_active_implementation() = impl;
    }
    int n = std::atoi(argv[2]), ok = 0;
    simdjson::dom::parser p;
    std::vector<double> t;
    for (int r = 0; r < 5; r++) {
        auto a = std::chrono::steady_clock::now();
        for (int i = 0; i < n; i++)
            ok += parse_once(p, s);
        auto b = std::chrono::steady_clock::now();
        t.push_back(std::chrono::duration<double, std::nano>(b - a).count() / n);
    }
    std::sort(t.begin(), t.end());
    std::printf("simdjson %d.%d.%d %s (%s): %zu bytes, valid %d of %d, median %.0f ns/parse\n",
                int(simdjson::SIMDJSON_VERSION_MAJOR), int(simdjson::SIMDJSON_VERSION_MINOR),
                int(simdjson::SIMDJSON_VERSION_REVISION),
                simdjson::get_active_implementation()->name().c_str(),
                simdjson::get_active_implementation()->description().c_str(), s.size(), ok, 5 * n,
                t[2]);
    return ok == 5 * n ? 0 : 1;
}
