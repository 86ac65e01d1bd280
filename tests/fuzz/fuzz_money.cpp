// Decimal and integer parsing, exact formatting and the sale rules.
// Oracles: parse -> format -> parse is the identity; check_sale (with its plain-price fast path)
// agrees with a straightforward reference built from the general parsers.
#include "fuzz_support.hpp"
#include "salesproc/rules/detail/quick_sale.hpp"
#include "salesproc/rules/money.hpp"
#include "salesproc/rules/rules.hpp"

#include <algorithm>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace {
using namespace salesproc;

// The rules in their plain form, without check_sale's fast path.
sale_check reference_check(std::string_view product, std::string_view price,
                           std::string_view quantity, const rules& r) {
    sale_check c;
    auto reject = [&](reject_reason why) {
        c.outcome = sale_check::kind::rejected;
        c.reason = why;
        return c;
    };
    if (product.empty()) return reject(reject_reason::missing_product);
    if (!product.starts_with(r.product_prefix)) return reject(reject_reason::bad_prefix);
    const auto p = parse_decimal_text(price);
    if (!p) return reject(reject_reason::bad_price);
    if (p->negative || p->is_zero()) return reject(reject_reason::price_below_min);
    // Exactly, where the price fits at its own scale; production always truncates to the
    // minimum's scale instead, which this cross-checks.
    if (const auto exact = parse_fixed(price)) {
        if (compare(*exact, r.min_price) < 0) return reject(reject_reason::price_below_min);
    } else if (const auto at_min_scale = to_units(*p, r.min_price.scale)) {
        if (compare(fixed_point{*at_min_scale, r.min_price.scale}, r.min_price) < 0)
            return reject(reject_reason::price_below_min);
    }
    if (p->frac_digits.size() > r.max_decimals) return reject(reject_reason::too_many_decimals);
    const auto q = parse_integer_text(quantity);
    if (!q) return reject(reject_reason::bad_quantity);
    if (q->negative || q->magnitude < 1 || q->magnitude > r.max_quantity)
        return reject(reject_reason::quantity_out_of_range);
    c.quantity = q->magnitude;
    const auto units = to_units(*p, r.max_decimals);
    if (!units || !checked_mul(*units, static_cast<int128>(q->magnitude), c.amount))
        c.outcome = sale_check::kind::overflow;
    return c;
}

void check_round_trip(std::string_view s) {
    const auto fp = parse_fixed(s);
    if (!fp) return;
    FUZZ_CHECK(fp->scale <= max_scale);
    const std::string text = format_units(fp->units, fp->scale);
    if (fp->scale == 0) {
        // Integers gain a ".0" (which may not fit 128 bits at scale 1): compare the digits.
        FUZZ_CHECK(text == to_string(fp->units) + ".0");
        return;
    }
    const auto again = parse_fixed(text);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(compare(*fp, *again) == 0);
    FUZZ_CHECK(to_string(fp->units).size() <= 41);
}

void check_integer(std::string_view s) {
    const auto q = parse_integer_text(s);
    std::string_view digits = s;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    const bool all_digits = !digits.empty() && end == digits.data() + digits.size() &&
                            ec != std::errc::invalid_argument;
    FUZZ_CHECK(q.has_value() == all_digits);
    if (q && ec == std::errc{}) FUZZ_CHECK(q->magnitude == v);
    if (q && ec == std::errc::result_out_of_range) FUZZ_CHECK(q->magnitude == UINT64_MAX);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    rules r;
    r.max_decimals = data[0] % 7;
    r.min_price = fixed_point{data[1], data[1] % 4U};
    r.max_quantity = data[2] % 2 == 0 ? 100 : UINT64_MAX;
    if (data[2] & 2) r.product_prefix.clear();
    const std::string_view in(reinterpret_cast<const char*>(data + 3), size - 3);

    // Fields separated by '|': product|price|quantity.
    const auto a = in.find('|');
    const auto b = a == std::string_view::npos ? a : in.find('|', a + 1);
    const std::string_view product = in.substr(0, a);
    const std::string_view price =
        a == std::string_view::npos ? in
                                    : in.substr(a + 1, b == std::string_view::npos ? b : b - a - 1);
    const std::string_view quantity = b == std::string_view::npos ? "1" : in.substr(b + 1);

    check_round_trip(price);
    check_integer(quantity);
    const sale_check want = reference_check(product, price, quantity, r);
    auto expect_same = [&](const sale_check& got) {
        FUZZ_CHECK(got.outcome == want.outcome);
        if (got.outcome == sale_check::kind::rejected) FUZZ_CHECK(got.reason == want.reason);
        if (got.outcome == sale_check::kind::valid) {
            FUZZ_CHECK(got.amount == want.amount);
            FUZZ_CHECK(got.quantity == want.quantity);
        }
    };
    expect_same(check_sale(product, price, quantity, r));

    // The CSV hot path reads past each field inside its buffer: the same fields in a buffer
    // with the input's own bytes after them (whatever follows a field must never matter), read
    // by check_sale's wide loads and by quick_check, which must decide as check_sale does.
    std::string buffer;
    buffer.append(product).append("|").append(price).append("|").append(quantity);
    buffer.append(in.substr(0, std::min<std::size_t>(in.size(), 64)));
    buffer.append(64, '7');
    const std::string_view padded(buffer);
    const std::string_view p_product = padded.substr(0, product.size());
    const std::string_view p_price = padded.substr(product.size() + 1, price.size());
    const std::string_view p_quantity =
        padded.substr(product.size() + price.size() + 2, quantity.size());
    expect_same(check_sale(p_product, p_price, p_quantity, r, padded));
    const detail::quick_rules quick(r);
    int128 amount = 0;
    std::uint64_t qty = 0;
    reject_reason why = reject_reason::malformed_row;
    switch (detail::quick_check(quick, p_product, p_price, p_quantity, amount, qty, why)) {
        case detail::quick_outcome::valid:
            FUZZ_CHECK(want.outcome == sale_check::kind::valid);
            FUZZ_CHECK(amount == want.amount);
            FUZZ_CHECK(qty == want.quantity);
            break;
        case detail::quick_outcome::rejected:
            FUZZ_CHECK(want.outcome == sale_check::kind::rejected);
            FUZZ_CHECK(why == want.reason);
            break;
        case detail::quick_outcome::unknown:
            break;
    }
    return 0;
}
