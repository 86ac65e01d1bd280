// Deterministic sales CSV generator for benchmarks: quoted names, doubled quotes, and rows that
// fail every rule. Writes OUT and OUT.expected.json with the exact expected totals, computed here
// in integer cents independently of salesproc.
//
// Usage: salesproc-gen ROWS OUT.csv [SEED] [DISTINCT]
// DISTINCT > 0 draws the valid products from a catalog of that many names ("Halal SKU-<n>"), the
// catalog-scale case; by default they come from the twelve names below.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

__extension__ typedef unsigned __int128 u128;

// splitmix64: tiny, fast and identical on every platform.
struct rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct product {
    const char* csv;   // as written in the file
    const char* name;  // as reported
    bool halal;
};

const product products[] = {
    {"Halal Laptop", "Halal Laptop", true},
    {"Halal Mouse", "Halal Mouse", true},
    {"Halal Keyboard", "Halal Keyboard", true},
    {"Halal Monitor", "Halal Monitor", true},
    {"Halal Webcam", "Halal Webcam", true},
    {"Halal Desk", "Halal Desk", true},
    {"Halal Chair", "Halal Chair", true},
    {"Halal Phone", "Halal Phone", true},
    {"\"Halal Rug, Large\"", "Halal Rug, Large", true},
    {"\"Halal \"\"Premium\"\" Dates\"", "Halal \"Premium\" Dates", true},
    {"Halal Prayer Mat", "Halal Prayer Mat", true},
    {"Halal Honey 1kg", "Halal Honey 1kg", true},
    {"Monitor", "Monitor", false},
    {"halal lowercase", "halal lowercase", false},
};
constexpr std::size_t product_count = sizeof(products) / sizeof(products[0]);

std::string json_escape(const char* s) {
    std::string out;
    for (; *s; ++s) {
        if (*s == '"' || *s == '\\') out += '\\';
        out += *s;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: salesproc-gen ROWS OUT.csv [SEED] [DISTINCT]\n");
        return 2;
    }
    const std::uint64_t rows = std::strtoull(argv[1], nullptr, 10);
    const std::string out_path = argv[2];
    rng r{argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 42};
    const std::size_t distinct = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 0;

    std::FILE* out = std::fopen(out_path.c_str(), "wb");
    if (!out) {
        std::perror(out_path.c_str());
        return 1;
    }
    std::vector<char> buffer(1 << 20);
    std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());
    std::fputs("product,price,quantity\n", out);

    // Products 0..n-1: the fixed list, or the catalog plus the list's two non-Halal names.
    const std::size_t n = distinct == 0 ? product_count : distinct + 2;
    auto csv_name = [&](std::size_t p, std::string& scratch) -> const char* {
        if (distinct == 0) return products[p].csv;
        if (p >= distinct) return products[product_count - 2 + (p - distinct)].csv;
        scratch = "Halal SKU-" + std::to_string(p);
        return scratch.c_str();
    };
    auto is_halal = [&](std::size_t p) { return distinct == 0 ? products[p].halal : p < distinct; };
    std::uint64_t valid = 0;
    u128 total_cents = 0;
    std::vector<std::uint64_t> qty_by(n);
    std::vector<u128> cents_by(n);
    std::vector<std::size_t> order;
    std::vector<bool> is_seen(n);
    std::string scratch;
    char line[160];
    for (std::uint64_t i = 0; i < rows; ++i) {
        const std::size_t p = r.below(n);
        const std::uint64_t cents = 1000 + r.below(199001);
        const std::uint64_t qty = 1 + r.below(100);
        const std::uint64_t kind = r.below(100);
        const char* name = csv_name(p, scratch);
        bool ok = is_halal(p);
        int len = 0;
        if (kind < 5) {  // missing product
            len = std::snprintf(line, sizeof line, ",%" PRIu64 ".%02" PRIu64 ",%" PRIu64 "\n",
                                cents / 100, cents % 100, qty);
            ok = false;
        } else if (kind < 7) {  // bad price
            len = std::snprintf(line, sizeof line, "%s,invalid,%" PRIu64 "\n", name, qty);
            ok = false;
        } else if (kind < 9) {  // below min
            len = std::snprintf(line, sizeof line, "%s,%" PRIu64 ".%02" PRIu64 ",%" PRIu64 "\n",
                                name, cents % 10, cents % 100, qty);
            ok = false;
        } else if (kind < 10) {  // too many decimals
            len = std::snprintf(line, sizeof line, "%s,%" PRIu64 ".%02" PRIu64 "5,%" PRIu64 "\n",
                                name, cents / 100, cents % 100, qty);
            ok = false;
        } else if (kind < 12) {  // quantity out of range
            len = std::snprintf(line, sizeof line, "%s,%" PRIu64 ".%02" PRIu64 ",%" PRIu64 "\n",
                                name, cents / 100, cents % 100, 101 + qty);
            ok = false;
        } else if (kind < 13) {  // bad quantity
            len = std::snprintf(line, sizeof line, "%s,%" PRIu64 ".%02" PRIu64 ",2.5\n", name,
                                cents / 100, cents % 100);
            ok = false;
        } else {
            len = std::snprintf(line, sizeof line, "%s,%" PRIu64 ".%02" PRIu64 ",%" PRIu64 "\n",
                                name, cents / 100, cents % 100, qty);
        }
        std::fwrite(line, 1, static_cast<std::size_t>(len), out);
        if (ok) {
            ++valid;
            total_cents += static_cast<u128>(cents) * qty;
            qty_by[p] += qty;
            cents_by[p] += static_cast<u128>(cents) * qty;
            if (!is_seen[p]) {
                is_seen[p] = true;
                order.push_back(p);
            }
        }
    }
    if (std::fclose(out) != 0) {
        std::perror(out_path.c_str());
        return 1;
    }

    auto cents_text = [](u128 c) {
        std::string digits;
        u128 whole = c / 100;
        do {
            digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
            whole /= 10;
        } while (whole != 0);
        char frac[4];
        std::snprintf(frac, sizeof frac, "%02d", static_cast<int>(c % 100));
        return digits + "." + frac;
    };
    std::FILE* exp = std::fopen((out_path + ".expected.json").c_str(), "wb");
    if (!exp) return 1;
    auto report_name = [&](std::size_t p) {
        return distinct == 0 ? json_escape(products[p].name) : "Halal SKU-" + std::to_string(p);
    };
    std::fprintf(exp,
                 "{\"rows\": %" PRIu64 ", \"valid_sales\": %" PRIu64
                 ", \"distinct\": %zu, \"total_sales\": \"%s\", \"unique_products\": [",
                 rows, valid, order.size(), cents_text(total_cents).c_str());
    for (std::size_t k = 0; k < order.size(); ++k)
        std::fprintf(exp, "%s\"%s\"", k ? ", " : "", report_name(order[k]).c_str());
    std::fprintf(exp, "], \"by_product\": {");
    for (std::size_t k = 0; k < order.size(); ++k)
        std::fprintf(exp, "%s\"%s\": {\"quantity\": %" PRIu64 ", \"total\": \"%s\"}", k ? ", " : "",
                     report_name(order[k]).c_str(), qty_by[order[k]],
                     cents_text(cents_by[order[k]]).c_str());
    std::fprintf(exp, "}}\n");
    std::fclose(exp);
    return 0;
}
