// The events of Boost.JSON's push parser turned into records: where the records are (a JSON
// pointer, followed as the parser goes, without building what lies elsewhere), each record's three
// rule fields (an exact key, else the one key that matches loosely), its compact JSON when a
// reject may want it, and the next page's URL. Internal to salesproc_model; one body at a time.
#pragma once

#include "plain_record.hpp"
#include "record_fields.hpp"
#include "record_sale.hpp"

#include "salesproc/api/api_records.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/rules/rules.hpp"

#include <boost/system/error_code.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc::detail {

// RFC 6901 tokens of a pointer: "/a~1b/0" is {"a/b", "0"}.
std::vector<std::string> pointer_tokens(std::string_view pointer);

class record_handler : public unlimited_json_handler {
  public:
    using error_code = boost::system::error_code;

    struct config {
        const rules* rule_set = nullptr;
        std::vector<std::string> records_path;  // pointer tokens
        std::vector<std::string> next_path;
        std::string next_pointer;  // as given, for errors
        bool has_next = false;
        bool root_is_record = false;  // NDJSON: each document is one record, whatever it is
        std::size_t max_record_size = 0;
        std::string context;  // the URL, for errors
    };

    record_handler(config c, api_records& out);

    // Why the handler stopped the parse (a record too large, an overflow, a next pointer of the
    // wrong type), when it did.
    [[nodiscard]] const std::optional<error>& failure() const noexcept { return failure_; }
    [[nodiscard]] bool records_found() const noexcept { return records_found_; }

    // The bytes the parser is about to read, then that it is done with them: a key read whole is
    // kept where it lies in between, and copied only when the bytes go before its value came.
    void input(std::string_view bytes) noexcept { input_ = bytes; }
    void input_ends() {
        if (!key_view_.empty() && key_view_.data() != key_.data()) {
            key_.assign(key_view_);
            key_view_ = key_;
        }
        input_ = {};
    }

    // Where the raw text of the records about to be read lies, when it is known: a reject's row
    // is then made from it, and only when kept, instead of a row tape for every record. An NDJSON
    // line whole in the bytes fed; or the elements of a JSON piece fed whole, the first of them
    // record `first_record`.
    void raw_line(std::string_view line) noexcept { line_ = line; }
    void raw_elements(std::string_view piece, std::size_t first, std::span<const std::size_t> ends,
                      std::uint64_t first_record) noexcept {
        piece_ = piece;
        first_element_ = first;
        element_ends_ = ends;
        first_record_ = first_record;
    }

    // An NDJSON line whole in `readable` (the bytes being read), from its first non-blank byte,
    // added as its record without the parser when it is plain (see plain_record.hpp). `parse`:
    // the parser must read it; `overflow`: an exact total overflowed (failure() says which).
    plain_outcome read_plain(std::string_view line, std::string_view readable);

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code& ec) {
        return lean_ ? lean_open(true) : begin_container(true, ec);
    }
    bool on_object_end(std::size_t, error_code& ec) { return close('}', ec); }
    bool on_array_begin(error_code& ec) {
        return lean_ ? lean_open(false) : begin_container(false, ec);
    }
    bool on_array_end(std::size_t, error_code& ec) { return close(']', ec); }
    bool on_key_part(std::string_view s, std::size_t, error_code& ec);
    bool on_key(std::string_view s, std::size_t, error_code& ec);
    bool on_string_part(std::string_view s, std::size_t, error_code& ec);
    bool on_string(std::string_view s, std::size_t, error_code& ec);
    bool on_number_part(std::string_view s, error_code& ec);
    bool on_int64(std::int64_t, std::string_view s, error_code& ec) { return number(s, ec); }
    bool on_uint64(std::uint64_t, std::string_view s, error_code& ec) { return number(s, ec); }
    bool on_double(double, std::string_view s, error_code& ec) { return number(s, ec); }
    bool on_bool(bool b, error_code& ec) { return scalar(b ? "true" : "false", "boolean", ec); }
    bool on_null(error_code& ec) { return scalar("null", "null", ec); }
    bool on_comment_part(std::string_view, error_code&) { return true; }
    bool on_comment(std::string_view, error_code&) { return true; }

  private:
    struct frame {
        bool object = false;
        bool on_records = false;     // its path is a prefix of the records pointer
        bool on_next = false;        // of the next pointer
        bool records_array = false;  // its elements are the records
        bool first = true;           // no member or element written yet (for the row)
        std::uint64_t index = 0;     // arrays: the next element's index
    };
    // Where the value about to start sits.
    struct position {
        bool records_prefix = false;
        bool records_full = false;
        bool next_prefix = false;
        bool next_full = false;
        bool is_record = false;  // it is a record itself
    };

    // Inside a record (the common case) a value is nothing but part of it.
    position where() const {
        if (in_record_ && !stack_.back().records_array) return {};
        return where_slow();
    }
    position where_slow() const;
    bool begin_container(bool object, error_code& ec);
    bool end_container(char close, error_code& ec);
    // Inside a lean record (see lean_) only the rule fields' values are looked at.
    bool lean_open(bool object) {
        if (fields_.wants_value())
            field_value(field_value_seen::kind::other, object ? "object" : "array");
        ++lean_depth_;
        return true;
    }
    bool close(char c, error_code& ec) {
        if (lean_ && lean_depth_ > 0) {
            --lean_depth_;
            return true;
        }
        lean_ = false;  // the record ends
        return end_container(c, ec);
    }
    bool scalar(std::string_view text, std::string_view type, error_code& ec);
    bool number(std::string_view last, error_code& ec);
    // A value (scalar or container) starts: the record's bookkeeping, the row's separator.
    void value_starts(const position& p, bool container, bool object);
    bool string_value(std::string_view text, error_code& ec);
    // Whether the record so far plus `pending` bytes held fit --max-record-size.
    bool fits(std::size_t pending, error_code& ec) {
        // Outside a record only the key, string or number being read is held.
        const std::size_t held = pending + (in_record_ ? record_bytes_ : 0);
        return held <= c_.max_record_size || too_large(ec);
    }
    bool too_large(error_code& ec);
    // A value ended: its array's index moves on; a record that ended is added.
    bool value_ends(error_code& ec);
    void begin_record();
    bool end_record(error_code& ec);
    void field_value(field_value_seen::kind k, std::string_view text);
    bool grow(std::size_t n, error_code& ec) {
        if (!in_record_) return fits(n, ec);
        record_bytes_ += n;
        return fits(0, ec);
    }
    bool fail(error e, error_code& ec);
    [[nodiscard]] error overflow() const;
    [[nodiscard]] bool keep_strings() const;

    config c_;
    api_records& out_;
    [[nodiscard]] bool in_input(std::string_view s) const noexcept {
        return !input_.empty() && s.data() >= input_.data() &&
               s.data() + s.size() <= input_.data() + input_.size();
    }
    void clear_key() noexcept {
        key_.clear();
        key_view_ = {};
    }

    std::vector<frame> stack_;
    std::string key_;            // a key's text when it had to be copied
    std::string_view key_view_;  // the key's text, in key_ or in the input
    std::string_view input_;
    std::string str_;
    std::string num_;
    bool records_found_ = false;
    std::optional<error> failure_;
    // The record being read.
    bool in_record_ = false;
    bool record_object_ = false;
    std::size_t record_depth_ = 0;  // stack size when it began
    bool build_row_ = false;
    bool whole_ = false;  // the record's text is whole in the bytes being read (rec_.raw)
    // A container record whole in the bytes being read, for which no row tape is built and that
    // cannot be larger than --max-record-size (its compact JSON is never longer than its text):
    // nothing but its rule fields' values is kept, and keys below its top level are not looked at.
    bool lean_ready_ = false;
    bool lean_ = false;
    std::size_t lean_depth_ = 0;  // containers open inside it
    row_tape row_;
    std::string_view line_;
    std::string_view piece_;
    std::size_t first_element_ = 0;
    std::span<const std::size_t> element_ends_;
    std::uint64_t first_record_ = 0;
    std::size_t record_bytes_ = 0;
    record_fields fields_;
    record_seen rec_;
    quick_rules quick_;
};

}  // namespace salesproc::detail
