// Reading merge's parts: every number from its own text, every sum checked, every part checked
// against itself before it is trusted (see detail/merge_parts.hpp).
#include "salesproc/merge/detail/merge_parts.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/rules/money.hpp"

#include <numeric>

namespace salesproc::detail {
namespace {

using json = nlohmann::ordered_json;

// Keys order the catalog by part, then by first sighting within the part.
constexpr unsigned part_key_bits = 40;

error bad(const std::string& path, std::string why) {
    return make_error(errc::bad_report, path, std::move(why));
}

// A decimal text as units at `scale` fraction digits, exactly: fraction digits beyond the scale
// must be zeros (the writer keeps one even at scale 0, "24.0"). nullopt when it is negative, has
// more digits than zeros, or overflows.
std::optional<int128> units_at(std::string_view text, unsigned scale) {
    const auto fp = parse_fixed(text);
    if (!fp || fp->units < 0) return std::nullopt;
    int128 units = fp->units;
    unsigned digits = fp->scale;
    for (; digits > scale; --digits) {
        if (units % 10 != 0) return std::nullopt;
        units /= 10;
    }
    for (; digits < scale; ++digits)
        if (!checked_mul(units, 10, units)) return std::nullopt;
    return units;
}

// The first rule two parts differ in, as "name a and b".
std::optional<std::string> rule_difference(const json& a, const json& b) {
    auto show = [](const json& v) {
        return v.is_binary() ? std::string(v.get_binary().begin(), v.get_binary().end()) : v.dump();
    };
    for (const auto& [key, value] : a.items()) {
        const auto theirs = b.find(key);
        if (theirs == b.end()) return key + " " + show(value) + " and nothing";
        if (value.dump() != theirs->dump())
            return key + " " + show(value) + " and " + show(*theirs);
    }
    for (const auto& [key, value] : b.items())
        if (!a.contains(key)) return key + " nothing and " + show(value);
    return std::nullopt;
}

bool add_to(std::uint64_t& sum, std::uint64_t v) {
    return !__builtin_add_overflow(sum, v, &sum);
}

struct product_row {
    std::string name;
    uint128 quantity = 0;
    std::string total;
};

result<partial_report> read_one(const std::string& path, std::vector<product_row>& rows,
                                const text_loader* load) {
    return read_report(
        path,
        [&](std::string_view name, std::string_view quantity,
            std::string_view total) -> result<void> {
            const auto q = parse_count_text(quantity);
            if (!q)
                return bad(path, "the quantity of product '" + std::string(name) +
                                     "' is not an exact count: " + std::string(quantity));
            // A name shown with its bytes (not UTF-8) is those bytes again, as the
            // single run had it.
            rows.push_back({detail::raw_name(name), *q, std::string(total)});
            return {};
        },
        load);
}

// A part is trusted only when its counts agree with each other.
result<void> check_consistent(const partial_report& p, int128 product_sum, int128 total,
                              unsigned scale) {
    std::uint64_t rejected = 0;
    for (const std::uint64_t n : p.rejected)
        if (!add_to(rejected, n)) return bad(p.path, "rejected: the reasons pass 2^64 - 1");
    if (rejected != p.invalid_sales)
        return bad(p.path, "rejected: the reasons sum to " + std::to_string(rejected) +
                               ", but invalid_sales is " + std::to_string(p.invalid_sales));
    // API records that are not sales at all (no product, price and quantity) count as records
    // only; the API's sales are its valid and invalid ones.
    std::uint64_t sales = p.valid_sales;
    std::uint64_t rows = 0;
    std::uint64_t api_sales = 0;
    bool fits = add_to(sales, p.invalid_sales);
    if (p.api)
        fits = fits && add_to(api_sales, p.api->valid_sales) &&
               add_to(api_sales, p.api->invalid_sales) && add_to(rows, api_sales);
    for (const auto& in : p.inputs)
        fits = fits && add_to(rows, in.rows);
    if (!fits || api_sales > p.api_records)
        return bad(p.path, "api: its valid and invalid sales pass api_records " +
                               std::to_string(p.api_records));
    if (sales != rows)
        return bad(p.path, "valid_sales + invalid_sales is " + std::to_string(sales) +
                               ", but the CSV rows and API sales are " + std::to_string(rows));
    if (product_sum != total)
        return bad(p.path, "sales_by_product: the products' totals sum to " +
                               format_units(product_sum, scale) + ", but total_sales is " +
                               p.total_sales);
    return {};
}

error overflow(const merged_parts& m, const std::string& path, const std::string& what) {
    const std::string earlier = m.parts.empty()
                                    ? ""
                                    : " with " + m.parts.front().report.path +
                                          (m.parts.size() > 1 ? " and later parts" : "");
    return make_error(
        errc::money_overflow, path,
        what + " leaves the exact range when merged" + earlier + ": never a wrapped total");
}

result<void> merge_api(std::optional<api_summary>& into, const api_summary& b) {
    if (!into) {
        into = b;
        return {};
    }
    api_summary& a = *into;
    const bool fits = add_to(a.requested, b.requested) && add_to(a.succeeded, b.succeeded) &&
                      add_to(a.retries, b.retries) && add_to(a.records, b.records) &&
                      add_to(a.valid_sales, b.valid_sales) &&
                      add_to(a.invalid_sales, b.invalid_sales) && add_to(a.pages, b.pages);
    if (!fits) return make_error(errc::money_overflow, "api", "a count passes 2^64 - 1");
    a.paginated = a.paginated || b.paginated;
    a.retry_budget_exhausted = a.retry_budget_exhausted || b.retry_budget_exhausted;
    a.failures.insert(a.failures.end(), b.failures.begin(), b.failures.end());
    a.urls.insert(a.urls.end(), b.urls.begin(), b.urls.end());
    return {};
}

// The rules of the first part set the scale; every later part must share them.
result<void> take_rules(merged_parts& m, const partial_report& part, const std::string& first) {
    if (m.parts.empty()) {
        m.rules = part.rules;
        const json& decimals = m.rules.value("max_decimals", json());
        if (!decimals.is_number_unsigned() || decimals.get<std::uint64_t>() > max_scale)
            return bad(part.path, "rules.max_decimals: expected 0..18");
        m.scale = decimals.get<unsigned>();
        return {};
    }
    if (const auto diff = rule_difference(m.rules, part.rules))
        return make_error(errc::parts_mismatch, first + " and " + part.path,
                          "computed under different rules: " + *diff);
    return {};
}

}  // namespace

std::optional<uint128> parse_count_text(std::string_view s) {
    if (s.empty() || s.size() > 39) return std::nullopt;
    uint128 v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        const uint128 next = v * 10 + static_cast<unsigned>(c - '0');
        if (next / 10 != v) return std::nullopt;
        v = next;
    }
    return v;
}

result<void> read_parts(const std::vector<std::string>& paths, merged_parts& m, logger& log,
                        const text_loader* load) {
    std::vector<product_row> rows;  // one part's: its scale is known once its rules are read
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const std::string& path = paths[i];
        rows.clear();
        auto part = read_one(path, rows, load);
        if (!part) return part.error();
        if (auto r = take_rules(m, *part, paths.front()); !r) return r;
        const std::uint64_t base = static_cast<std::uint64_t>(i) << part_key_bits;
        int128 product_sum = 0;
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const auto amount = units_at(rows[k].total, m.scale);
            if (!amount)
                return bad(path, "the total of product '" + rows[k].name +
                                     "' is not an exact amount at max_decimals " +
                                     std::to_string(m.scale) + ": " + rows[k].total);
            if (!checked_add(product_sum, *amount, product_sum) ||
                !m.products.add(rows[k].name, rows[k].quantity, static_cast<uint128>(*amount),
                                base + k))
                return overflow(m, path, "the quantity or total of product '" + rows[k].name + "'");
        }
        const auto total = units_at(part->total_sales, m.scale);
        if (!total) return bad(path, "total_sales is not an exact amount: " + part->total_sales);
        if (auto r = check_consistent(*part, product_sum, *total, m.scale); !r) return r;
        if (!m.totals.add_counts(part->valid_sales, part->rejected, *total))
            return overflow(m, path, "total_sales, valid_sales or invalid_sales");
        if (part->api)
            if (auto r = merge_api(m.api, *part->api); !r) return overflow(m, path, "an api count");
        log.debug("part read", {{"path", path}, {"products", rows.size()}});
        m.parts.push_back(part_summary{std::move(*part), 0});
    }
    return {};
}

}  // namespace salesproc::detail
