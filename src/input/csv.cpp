#include "salesproc/input/csv.hpp"

#include "salesproc/input/detail/structural_index.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace salesproc::csv {
namespace {

void store(std::span<std::string_view> fields, std::size_t index, const char* b, const char* e) {
    if (index < fields.size()) fields[index] = std::string_view(b, static_cast<std::size_t>(e - b));
}

bool is_blank(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), is_space);
}

}  // namespace

std::string_view field_value(std::string_view raw, std::string& scratch) {
    std::string_view v = trim(raw);
    const auto first_quote = v.find('"');
    if (first_quote == std::string_view::npos) return v;
    // Common quoted shape, "text" with no doubled quote inside: the inner view, no copy.
    if (first_quote == 0 && v.size() >= 2 && v.back() == '"') {
        const std::string_view inner = v.substr(1, v.size() - 2);
        if (inner.find('"') == std::string_view::npos) return trim(inner);
    }
    // Never longer than the raw field: written through a pointer, not a push_back per byte.
    scratch.resize(v.size());
    char* out = scratch.data();
    bool quoted = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c != '"') {
            *out++ = c;
        } else if (quoted && i + 1 < v.size() && v[i + 1] == '"') {
            *out++ = '"';
            ++i;
        } else {
            quoted = !quoted;
        }
    }
    return trim(std::string_view(scratch.data(), static_cast<std::size_t>(out - scratch.data())));
}

namespace {

// Visits every delimiter, '\n' and '"' from `p` on, in order, until `visit` says stop; returns
// where it stopped (`end` when it never did).
template <class Visit>
[[gnu::always_inline]] inline const char* scan_structurals(const char* p, const char* end,
                                                           char delimiter, Visit& visit) {
#if defined(__SSE2__)
    // 16 bytes at a time: a bit mask of the positions of the delimiter, '\n' and '"'.
    const __m128i comma = _mm_set1_epi8(delimiter);
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"');
    for (; end - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline)),
                         _mm_cmpeq_epi8(v, quote))));
        while (mask != 0) {
            const char* q = p + __builtin_ctz(mask);
            mask &= mask - 1;
            if (visit(q)) return q;
        }
    }
#endif
    for (; p != end; ++p) {
        const char c = *p;
        if ((c == delimiter || c == '\n' || c == '"') && visit(p)) return p;
    }
    return end;
}

}  // namespace

bool tokenizer::next(record& rec, std::span<std::string_view> fields) noexcept {
    if (pos_ == end_) return false;
    const char* const start = pos_;
    const char* field_start = start;
    std::size_t n = 0;
    bool quoted = false;
    std::uint64_t quoted_fields = 0;
    std::size_t quoted_newlines = 0;
    // One pass for every record: separators inside quotes are skipped by the quote state, so a
    // quoted record costs the same scan as a plain one.
    auto visit = [&](const char* q) {
        const char c = *q;
        if (c == '"') {
            quoted = !quoted;
            quoted_fields |= std::uint64_t{1} << std::min<std::size_t>(n, 63);
        } else if (!quoted) {
            if (c == '\n') return true;
            store(fields, n++, field_start, q);
            field_start = q + 1;
        } else {
            quoted_newlines += c == '\n';  // line numbers count these, as editors do
        }
        return false;
    };
    const char* p = scan_structurals(start, end_, delimiter_, visit);
    store(fields, n++, field_start, p);
    rec.field_count = n;
    rec.unterminated_quote = quoted;
    rec.quoted_fields = quoted_fields;
    rec.quoted_newlines = quoted_newlines;
    rec.text = std::string_view(start, static_cast<std::size_t>(p - start));
    rec.blank = n == 1 && quoted_fields == 0 && is_blank(rec.text);
    pos_ = p == end_ ? p : p + 1;
    return true;
}

std::size_t count_quotes(std::string_view s) noexcept {
    static const bool fast = detail::count_quotes_fast_available();
    if (fast && s.size() >= 64) return detail::count_quotes_fast(s);
    std::size_t total = 0;
    const char* p = s.data();
    std::size_t n = s.size();
#if defined(__SSE2__)
    // Byte lanes count down by one per match (cmpeq yields -1); psadbw folds them every 255
    // blocks, before a lane could wrap.
    const __m128i quote = _mm_set1_epi8('"');
    while (n >= 16) {
        const std::size_t blocks = std::min<std::size_t>(n / 16, 255);
        __m128i acc = _mm_setzero_si128();
        for (std::size_t i = 0; i < blocks; ++i, p += 16)
            acc = _mm_sub_epi8(
                acc, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), quote));
        const __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
        total += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
        n -= blocks * 16;
    }
#endif
    for (; n != 0; --n, ++p)
        total += *p == '"';
    return total;
}

std::size_t find_last_record_end(std::string_view buf, std::size_t from,
                                 std::size_t quotes_before_from,
                                 std::size_t& quotes_total) noexcept {
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
        if (c == '"')
            in_quotes = !in_quotes;
        else if (c == '\n' && !in_quotes)
            return i + 1;
    }
    return std::string_view::npos;
}

bool has_bare_cr(std::string_view line) noexcept {
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '"') quoted = !quoted;
        if (line[i] == '\r' && !quoted && i + 1 < line.size() && line[i + 1] != '\n') return true;
    }
    return false;
}

}  // namespace salesproc::csv
