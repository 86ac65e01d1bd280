#include "record_fields.hpp"

#include "salesproc/input/csv.hpp"
#include "salesproc/rules/header.hpp"

namespace salesproc::detail {

void record_fields::key(std::string_view k) {
    const std::size_t n = key_index_++;
    if (n < memo_.size() && memo_[n].known && memo_[n].key == k) {
        field_ = memo_[n].field;
        field_exact_ = memo_[n].exact;
        return;
    }
    match_slow(k);
    if (n < memo_.size()) memo_[n] = {std::string(k), field_, field_exact_, true};
}

void record_fields::match_slow(std::string_view k) {
    field_ = -1;
    const auto& columns = rules_.columns;
    for (std::size_t i = 0; i < 3; ++i)
        if (k == columns[i]) {
            field_ = static_cast<int>(i);
            field_exact_ = true;
            return;
        }
    // A key of plain ASCII at both ends is its own loose form: only one of the same length can
    // match loosely. Anything else goes the long way.
    const auto plain = [](char c) { return c > ' ' && c < 0x7F; };
    const bool trimmed = !k.empty() && plain(k.front()) && plain(k.back());
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& c = columns[i];
        if (trimmed && !c.empty() && plain(c.front()) && plain(c.back()) && k.size() != c.size())
            continue;
        if (loosely_equal(k, c)) {
            field_ = static_cast<int>(i);
            field_exact_ = false;
            return;
        }
    }
}

void record_fields::value(field_value_seen::kind k, std::string_view text, bool in_place) {
    const auto i = static_cast<std::size_t>(field_);
    auto& count = field_exact_ ? exact_count_[i] : loose_count_[i];
    auto& seen = field_exact_ ? exact_[i] : loose_[i];
    ++count;
    seen.what = k;
    const std::string_view v = k == field_value_seen::kind::string ? csv::trim(text) : text;
    // A type's name is a literal.
    if (in_place || k == field_value_seen::kind::other)
        seen.text = v;
    else
        seen.keep_copy(v);
    field_ = -1;
}

void record_fields::finish(record_seen& rec) {
    static const field_value_seen absent{};
    for (std::size_t i = 0; i < 3; ++i) {
        if (exact_count_[i] > 0) {
            exact_[i].repeated = exact_count_[i] > 1;
            rec.fields[i] = &exact_[i];
        } else if (loose_count_[i] == 1) {
            loose_[i].repeated = false;
            rec.fields[i] = &loose_[i];
        } else {
            // None, or two keys that match loosely: which one is meant would be a guess.
            rec.fields[i] = &absent;
        }
    }
}

}  // namespace salesproc::detail
