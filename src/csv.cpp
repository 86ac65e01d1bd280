#include "salesproc/csv.hpp"

#include <algorithm>
#include <cstring>

namespace salesproc::csv {
namespace {

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void store(std::span<std::string_view> fields, std::size_t index, const char* b, const char* e) {
    if (index < fields.size()) fields[index] = std::string_view(b, static_cast<std::size_t>(e - b));
}

bool is_blank(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), is_space);
}

}  // namespace

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view field_value(std::string_view raw, std::string& scratch) {
    std::string_view v = trim(raw);
    if (v.find('"') == std::string_view::npos) return v;
    scratch.clear();
    bool quoted = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c != '"') {
            scratch.push_back(c);
        } else if (quoted && i + 1 < v.size() && v[i + 1] == '"') {
            scratch.push_back('"');
            ++i;
        } else {
            quoted = !quoted;
        }
    }
    return trim(scratch);
}

bool tokenizer::next(record& rec, std::span<std::string_view> fields) noexcept {
    if (pos_ == end_) return false;
    const char* const start = pos_;
    const char* field_start = start;
    const char* p = start;
    std::size_t n = 0;
    // Fast path: no quote in this record. Any quote restarts the record on the slow path.
    for (; p != end_; ++p) {
        const char c = *p;
        if (c == '\n') break;
        if (c == ',') {
            store(fields, n++, field_start, p);
            field_start = p + 1;
        } else if (c == '"') {
            return next_quoted(start, rec, fields);
        }
    }
    store(fields, n++, field_start, p);
    rec.field_count = n;
    rec.unterminated_quote = false;
    rec.text = std::string_view(start, static_cast<std::size_t>(p - start));
    rec.blank = n == 1 && is_blank(rec.text);
    pos_ = p == end_ ? p : p + 1;
    return true;
}

bool tokenizer::next_quoted(const char* start, record& rec, std::span<std::string_view> fields) noexcept {
    const char* field_start = start;
    const char* p = start;
    std::size_t n = 0;
    bool quoted = false;
    for (; p != end_; ++p) {
        const char c = *p;
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted) {
            if (c == '\n') break;
            if (c == ',') {
                store(fields, n++, field_start, p);
                field_start = p + 1;
            }
        }
    }
    store(fields, n++, field_start, p);
    rec.field_count = n;
    rec.unterminated_quote = quoted;
    rec.text = std::string_view(start, static_cast<std::size_t>(p - start));
    rec.blank = false;
    pos_ = p == end_ ? p : p + 1;
    return true;
}

std::size_t count_quotes(std::string_view s) noexcept {
    // Fixed-size blocks with a 32-bit counter let GCC vectorise the compare-and-add.
    std::size_t total = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size();
    while (n != 0) {
        const std::size_t block = std::min<std::size_t>(n, 4096);
        unsigned local = 0;
        for (std::size_t i = 0; i < block; ++i) local += p[i] == '"';
        total += local;
        p += block;
        n -= block;
    }
    return total;
}

std::size_t find_last_record_end(std::string_view buf, std::size_t from,
                                 std::size_t quotes_before_from, std::size_t& quotes_total) noexcept {
    const std::string_view tail = buf.substr(from);
    quotes_total = quotes_before_from + count_quotes(tail);
    std::size_t quotes_after = 0;
    for (std::size_t i = tail.size(); i-- > 0;) {
        const char c = tail[i];
        if (c == '"') {
            ++quotes_after;
        } else if (c == '\n' && ((quotes_total - quotes_after) & 1U) == 0) {
            return from + i + 1;
        }
    }
    return std::string_view::npos;
}

std::size_t find_first_record_end(std::string_view s, bool& in_quotes) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"') in_quotes = !in_quotes;
        else if (c == '\n' && !in_quotes) return i + 1;
    }
    return std::string_view::npos;
}

}  // namespace salesproc::csv
