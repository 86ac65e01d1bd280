// A record's three rule fields as its top-level keys and values go by, whoever reads them (the
// push parser's handler, or plain_record for an NDJSON line): the value under each field's exact
// key, else under the one key that matches it loosely, and whether a key came twice. Internal to
// salesproc_model; one record at a time.
#pragma once

#include "record_sale.hpp"

#include "salesproc/rules/rules.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace salesproc::detail {

class record_fields {
  public:
    explicit record_fields(const rules& r) : rules_(r) {}

    // A record starts.
    void begin() noexcept {
        for (std::size_t i = 0; i < 3; ++i) {
            exact_[i].what = loose_[i].what = field_value_seen::kind::absent;
            exact_count_[i] = loose_count_[i] = 0;
        }
        field_ = -1;
        key_index_ = 0;
    }
    // A top-level key of the record: which rule field, if any, the next value is for.
    void key(std::string_view k);
    // The next value is not one of the record's top-level values.
    void not_a_field() noexcept { field_ = -1; }
    [[nodiscard]] bool wants_value() const noexcept { return field_ >= 0; }
    // The value of the last key (when wants_value()). `in_place`: `text` stays where it is as long
    // as the record is read; else it is copied.
    void value(field_value_seen::kind k, std::string_view text, bool in_place);
    // The record ended: its fields, never null, into rec.fields.
    void finish(record_seen& rec);

  private:
    void match_slow(std::string_view k);

    const rules& rules_;
    int field_ = -1;  // the rule field the next value is for
    bool field_exact_ = false;
    // Per rule field: the value under the exact key and under a loosely matching key.
    std::array<field_value_seen, 3> exact_{};
    std::array<field_value_seen, 3> loose_{};
    std::array<unsigned, 3> exact_count_{};
    std::array<unsigned, 3> loose_count_{};
    // Records repeat their keys, in the same order: what the n-th key of the record before
    // matched is tried first.
    struct key_memo {
        std::string key;
        int field = -1;
        bool exact = false;
        bool known = false;
    };
    std::array<key_memo, 16> memo_;
    std::size_t key_index_ = 0;  // top-level keys so far in this record
};

}  // namespace salesproc::detail
