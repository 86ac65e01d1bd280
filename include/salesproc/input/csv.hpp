// RFC 4180 CSV tokenizer over a caller-owned buffer. Records end at '\n' outside quotes; a quote
// toggles quoted mode wherever it appears, and a doubled quote inside quotes is a literal quote.
// Chunk cutting and the tokenizer share that one definition, so a record never depends on where a
// chunk boundary fell. Nothing here allocates per record; the types are not shared across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace salesproc::csv {

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Strips surrounding ASCII whitespace (space, \t, \r, \n, \v, \f).
inline std::string_view trim(std::string_view s) noexcept {
    // Nearly every field starts and ends with a byte above ' ', which is one compare each.
    auto above_space = [](char c) { return static_cast<unsigned char>(c) > ' '; };
    if (!s.empty() && above_space(s.front()) && above_space(s.back())) [[likely]]
        return s;
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// A field's value: trimmed, unquoted ("" inside quotes becomes "), trimmed again. Writes into
// `scratch` only when the field holds a quote; the result may point into `raw` or `scratch`.
std::string_view field_value(std::string_view raw, std::string& scratch);

struct record {
    std::size_t field_count = 0;      // may exceed the span given to next()
    bool unterminated_quote = false;  // the buffer ended inside quotes
    std::uint64_t quoted_fields = 0;  // bit i: field i holds a quote (bit 63: field 63 or later);
                                      // 0: every field is plain text, trim() is enough
    bool blank = false;               // only whitespace: not a row at all
    std::size_t quoted_newlines = 0;  // '\n' inside quotes: the record spans this many more lines
    std::string_view text;            // the whole record, without its '\n'
};

class tokenizer {
  public:
    // `delimiter` separates fields (',' ';' '|' or '\t'); quotes and record ends are the same
    // for every delimiter, so chunk cuts do not depend on it.
    explicit tokenizer(std::string_view data, char delimiter = ',') noexcept
        : pos_(data.data()), end_(data.data() + data.size()), delimiter_(delimiter) {}

    // Splits the next record; the first fields.size() raw fields land in `fields`.
    // Returns false when the buffer is exhausted.
    bool next(record& rec, std::span<std::string_view> fields) noexcept;

    [[nodiscard]] const char* position() const noexcept { return pos_; }

  private:
    const char* pos_;
    const char* end_;
    char delimiter_;
};

// True when `line` holds a carriage return outside quotes that neither ends the line nor precedes
// a '\n': the file uses CR-only (classic Mac) line endings, which look like one long line.
bool has_bare_cr(std::string_view line) noexcept;

// Number of '"' bytes in `s` (vectorised; used to track quote parity across blocks).
std::size_t count_quotes(std::string_view s) noexcept;

// The offset just past the last record terminator in `buf`, searching only buf[from..]:
// a '\n' preceded by an even number of quotes counted from buf's start. `quotes_before_from` is
// the quote count of buf[0, from). Returns npos when buf[from..] holds no terminator.
// `quotes_total` receives the quote count of the whole buffer.
std::size_t find_last_record_end(std::string_view buf, std::size_t from,
                                 std::size_t quotes_before_from,
                                 std::size_t& quotes_total) noexcept;

// For skipping an oversized record: the offset just past the first '\n' in `s` reached with
// quote parity even, given that `in_quotes` holds on entry; npos if none. Updates `in_quotes`.
std::size_t find_first_record_end(std::string_view s, bool& in_quotes) noexcept;

}  // namespace salesproc::csv
